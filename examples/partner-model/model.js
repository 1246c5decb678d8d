// A partner's realtime model, as `latchkey runtime --model ./model.js` serves it: it sends
// the caller's video back, and answers `weights` with the files of the version's weights
// it was given (their paths and sha256), read once by `load` before it takes sessions. Plain ES module, no
// build step; it imports @latchkey/runtime and zod (`npm i @latchkey/runtime zod` beside
// it when it lives outside this repository).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineRealtimeModel } from '@latchkey/runtime';
import { z } from 'zod';

/** Every regular file under `dir`, with its sha256, by path. */
function listing(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .map((file) => ({
      path: relative(dir, file),
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** What `load` found: a real model would hold its weights in memory here. */
let loaded = { path: null, files: [] };

export default defineRealtimeModel({
  // The short name: the runtime serves it as <your-org-slug>/styler.
  name: 'styler',
  description: 'Sends your video back; lists the weights it runs with',
  tracks: { input: ['video'], output: ['video'] },
  // Once, after the weights are pulled and before the first session.
  load({ weightsPath, log }) {
    loaded = { path: weightsPath ?? null, files: weightsPath ? listing(weightsPath) : [] };
    log.info('weights loaded', { files: loaded.files.length });
  },
  commands: {
    weights: {
      schema: z.union([z.strictObject({}), z.undefined(), z.null()]),
      // Each session sees the same directory as ctx.weightsPath.
      handler: (_data, ctx) => ({ ...loaded, sessionPath: ctx.weightsPath ?? null }),
    },
  },
  onTrack(link) {
    if (link.kind !== 'video') return;
    link.setOutput(link.input);
    // The caller's decoder asks for a keyframe; only the caller's encoder can make one.
    link.onKeyframeRequest(() => link.requestKeyframe());
  },
});
