import { z } from 'zod';
import { defineRealtimeModel } from '../model.js';

/**
 * The `echo` demo model (realtime): sends the caller's camera video back to it (RTP
 * forwarded as is, keyframe requests relayed upstream). Commands: `set_prompt
 * {prompt}` → `{prompt, acknowledged: true}` (and a `prompt` message), `ping` →
 * `{pong: true, at}`.
 */
export const echoModel = defineRealtimeModel({
  name: 'echo',
  description: 'Sends your camera video back to you; answers set_prompt and ping',
  tracks: { input: ['video'], output: ['video'] },
  createState: () => ({ prompt: null as string | null }),
  commands: {
    set_prompt: {
      schema: z.strictObject({ prompt: z.string().min(1).max(1000) }),
      handler: ({ prompt }, ctx) => {
        ctx.state.prompt = prompt;
        ctx.send('prompt', { prompt });
        return { prompt, acknowledged: true };
      },
    },
    ping: {
      schema: z.union([z.strictObject({}), z.undefined(), z.null()]),
      handler: (_data, ctx) => ({ pong: true, at: ctx.now() }),
    },
  },
  onTrack(link) {
    if (link.kind !== 'video') return;
    link.setOutput(link.input);
    // The caller's decoder asks us for a keyframe; only the caller's encoder can make one.
    link.onKeyframeRequest(() => link.requestKeyframe());
  },
});
