import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadState, UploadStateStore } from '@latchkey/core/node';
import { writeFileAtomic } from './atomic-write.js';
import { latchkeyHome } from './credentials-file.js';

/** `~/.latchkey/uploads` (or under LATCHKEY_HOME): one 0600 file per unfinished blob upload. */
export const uploadsDir = () => join(latchkeyHome(), 'uploads');

const fileFor = (dir: string, digest: string) => {
  const hex = /^sha256:([a-f0-9]{64})$/.exec(digest)?.[1];
  if (!hex) throw new TypeError(`not a sha256 digest: ${digest}`);
  return join(dir, `${hex}.json`);
};

/**
 * Where each unfinished blob upload stands (upload URL, offset, digest, size), kept so
 * the next `weights push` of the same blob asks the registry for its offset and goes on.
 * The URL is a capability of the registry's upload session: files are 0600 in a 0700 dir.
 */
export function fileUploadState(dir = uploadsDir()): UploadStateStore {
  const ensure = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  };
  return {
    get(digest) {
      try {
        const s = JSON.parse(readFileSync(fileFor(dir, digest), 'utf8')) as UploadState;
        return s.digest === digest && typeof s.url === 'string' ? s : undefined;
      } catch {
        return undefined;
      }
    },
    set(state) {
      ensure();
      writeFileAtomic(fileFor(dir, state.digest), `${JSON.stringify(state)}\n`, 0o600);
    },
    delete(digest) {
      rmSync(fileFor(dir, digest), { force: true });
    },
  };
}
