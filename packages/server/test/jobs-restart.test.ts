// The job queue lives in the embedded database: jobs queued (and one running) when
// `latchkey serve` stops run after it starts again on the same data dir.
import { defaultModels, defineBatchModel } from '@latchkey/runtime';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { RunningServer } from '../src/index.js';
import { embeddedConfig, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

let started: () => void = () => undefined;
const running = new Promise<void>((r) => {
  started = r;
});

/** `slow` before the restart: it starts, then waits until its runtime stops. */
const held = defineBatchModel({
  name: 'slow',
  description: 'holds its job until the runtime stops',
  input: z.object({ n: z.number().int() }),
  resultType: 'application/json',
  run(_input: { n: number }, ctx) {
    started();
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    });
  },
});

/** `slow` after the restart: answers at once. */
const quick = defineBatchModel({
  name: 'slow',
  description: 'answers at once',
  input: z.object({ n: z.number().int() }),
  resultType: 'application/json',
  async run(input: { n: number }) {
    return {
      contentType: 'application/json',
      body: new TextEncoder().encode(JSON.stringify({ doubled: input.n * 2 })),
    };
  },
});

const dir = tempDir('lk-jobs-restart-');
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  dir.remove();
});

interface Job {
  jobId: string;
  state: string;
}

const call = (path: string, key: string, body?: unknown) =>
  fetch(`${server?.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const state = async (key: string, id: string) =>
  ((await (await call(`/v1/jobs/${id}`, key)).json()) as Job).state;

describe('jobs in an embedded data dir', () => {
  it('a job running and a job queued when the server stops both complete after it starts again', async () => {
    const config = embeddedConfig(dir.dir, { LATCHKEY_AUTH_FAILURES_PER_IP: '0' });
    server = await startServer(config, {
      runtime: { models: [...defaultModels(), held], capacity: { jobs: 1 } },
    });
    const key = server.bootstrap?.apiKey as string;
    const submit = async (n: number) => {
      const res = await call('/v1/jobs/slow', key, { n });
      expect(res.status).toBe(202);
      return ((await res.json()) as Job).jobId;
    };
    const first = await submit(1);
    await running;
    // The runtime's one job slot is taken: the second job waits in the queue.
    const second = await submit(2);
    expect(await state(key, first)).toBe('running');
    expect(await state(key, second)).toBe('queued');
    await server.close();
    server = undefined;

    server = await startServer(config, {
      runtime: { models: [...defaultModels(), quick], capacity: { jobs: 1 } },
    });
    for (const [id, n] of [
      [first, 1],
      [second, 2],
    ] as const) {
      await vi.waitFor(
        async () => {
          if ((await state(key, id)) !== 'succeeded') throw new Error(`job ${id} not done`);
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(await (await call(`/v1/jobs/${id}/result`, key)).json()).toEqual({ doubled: n * 2 });
    }
  });
});
