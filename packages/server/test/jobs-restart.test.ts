// The job queue lives in the embedded database: jobs queued (and one running) when
// `latchkey serve` stops run after it starts again on the same data dir.
import { defaultModels, defineBatchModel } from '@latchkey/runtime';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { RunningServer } from '../src/index.js';
import { embeddedConfig, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

/** A model that starts its job, then holds it until its runtime stops. */
function heldModel(name: string) {
  let started: () => void = () => undefined;
  const running = new Promise<void>((r) => {
    started = r;
  });
  const model = defineBatchModel({
    name,
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
  return { model, running };
}

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

const dirs = [tempDir('lk-jobs-restart-'), tempDir('lk-jobs-restart-')];
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  for (const d of dirs) d.remove();
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

/** Starts a server whose one job slot is held by a job of `model`, with a second job queued. */
async function holdAndQueue(dir: string, model: string) {
  const held = heldModel(model);
  const config = embeddedConfig(dir, { LATCHKEY_AUTH_FAILURES_PER_IP: '0' });
  server = await startServer(config, {
    runtime: { models: [...defaultModels(), held.model], capacity: { jobs: 1 } },
  });
  const key = server.bootstrap?.apiKey as string;
  const submit = async (n: number) => {
    const res = await call(`/v1/jobs/${model}`, key, { n });
    expect(res.status).toBe(202);
    return ((await res.json()) as Job).jobId;
  };
  const first = await submit(1);
  await held.running;
  const second = await submit(2);
  expect(await state(key, first)).toBe('running');
  expect(await state(key, second)).toBe('queued');
  await server.close();
  server = undefined;
  return { config, key, first, second };
}

describe('jobs in an embedded data dir', () => {
  it('a job running and a job queued when the server stops both complete after it starts again', async () => {
    const { config, key, first, second } = await holdAndQueue(dirs[0]?.dir as string, 'slow');
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

  it('jobs for a model no runtime serves after the restart fail with MODEL_UNAVAILABLE', async () => {
    const { config, key, first, second } = await holdAndQueue(dirs[1]?.dir as string, 'gone');
    server = await startServer(config, { runtime: { models: defaultModels() } });
    for (const id of [first, second]) {
      await vi.waitFor(
        async () => {
          if ((await state(key, id)) !== 'failed') throw new Error(`job ${id} not failed yet`);
        },
        { timeout: 30_000, interval: 50 },
      );
      const job = (await (await call(`/v1/jobs/${id}`, key)).json()) as {
        error: { code: string; message: string };
      };
      expect(job.error).toEqual({
        code: 'MODEL_UNAVAILABLE',
        message: 'no runtime serves "gone" any more',
      });
    }
  });
});
