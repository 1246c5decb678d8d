// Batch jobs: validation, the token check, the concurrency cap, failures.

import type { Logger, RunJobRequest } from '@latchkey/core/node';
import { generateSigningKey } from '@latchkey/core/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineBatchModel } from '../src/model.js';
import { defaultModels } from '../src/models/default-models.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { token, verifyToken } from './helpers.js';

let release: () => void = () => undefined;
const gate = defineBatchModel({
  name: 'gate',
  description: 'waits until released',
  input: z.object({}),
  resultType: 'text/plain',
  run: () =>
    new Promise<Uint8Array>((resolve) => {
      release = () => resolve(new TextEncoder().encode('released'));
    }),
});
const crash = defineBatchModel({
  name: 'crash',
  description: 'always fails',
  input: z.object({}),
  resultType: 'text/plain',
  run: () => {
    throw new Error('out of memory at 0xdeadbeef');
  },
});

let runtime: Runtime;
afterEach(() => runtime?.close());
const log: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const make = (jobs = 2) => {
  runtime = createRuntime({
    verifyToken,
    models: [...defaultModels(), gate, crash],
    capacity: { jobs },
    log,
  });
  return runtime;
};
const job = (over: Partial<RunJobRequest> = {}): RunJobRequest => ({
  jobId: 'job_1',
  model: 'render',
  token: token(),
  input: { prompt: 'a cat', width: 16, height: 16 },
  ...over,
});
const code = async (p: Promise<{ ok: boolean; code?: string }>) => {
  const r = await p;
  return r.ok ? 'ok' : r.code;
};

describe('validateJob', () => {
  it('accepts input the model takes', async () => {
    expect(await make().validateJob('render', { prompt: 'a cat' })).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('refuses input the model does not take, naming the field', async () => {
    expect(await make().validateJob('render', { prompt: 'a cat', width: 4096 })).toEqual({
      ok: false,
      code: 'INVALID_REQUEST',
      message: 'width: Too big: expected number to be <=1024',
    });
    expect(await runtime.validateJob('render', 'a cat')).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('refuses an unknown model or a realtime one: MODEL_NOT_FOUND', async () => {
    expect(await code(make().validateJob('nope', {}))).toBe('MODEL_NOT_FOUND');
    expect(await code(runtime.validateJob('echo', {}))).toBe('MODEL_NOT_FOUND');
  });
});

describe('runJob', () => {
  it('runs the model and answers its bytes and content type', async () => {
    const out = await make().runJob(job());
    expect(out.ok && out.value.contentType).toBe('image/png');
    expect(out.ok && out.value.body.byteLength).toBeGreaterThan(50);
  });

  it('verifies the token like a session, but does not check the origin', async () => {
    const r = make();
    expect(
      await code(r.runJob(job({ token: token({}, {}, generateSigningKey('sig_test')) }))),
    ).toBe('INVALID_TOKEN');
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(
      await code(r.runJob(job({ token: token({}, { iat: past, nbf: past, exp: past + 1 }) }))),
    ).toBe('TOKEN_EXPIRED');
    expect(await code(r.runJob(job({ token: token({ models: ['echo'] }) })))).toBe(
      'MODEL_NOT_ALLOWED',
    );
    expect(await code(r.runJob(job({ token: token({ origins: ['https://app.example'] }) })))).toBe(
      'ok',
    );
  });

  it('checks the model, then the grant, then the input', async () => {
    const r = make();
    expect(await code(r.runJob(job({ model: 'echo' })))).toBe('MODEL_NOT_FOUND');
    expect(await code(r.runJob(job({ token: token({ models: ['x'] }), input: {} })))).toBe(
      'MODEL_NOT_ALLOWED',
    );
    expect(await r.runJob(job({ input: { prompt: '' } }))).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^prompt: Too small/),
    });
  });

  it('refuses a job over capacity.jobs with MODEL_UNAVAILABLE, and takes one again when a slot frees', async () => {
    const r = make(1);
    const first = r.runJob(job({ model: 'gate', input: {} }));
    await vi.waitFor(() => expect(r.stats().jobsRunning).toBe(1));
    expect(await r.runJob(job({ jobId: 'job_2' }))).toMatchObject({
      ok: false,
      code: 'MODEL_UNAVAILABLE',
    });
    release();
    const out = await first;
    expect(out.ok && new TextDecoder().decode(out.value.body)).toBe('released');
    expect(r.stats().jobsRunning).toBe(0);
    expect(await code(r.runJob(job({ jobId: 'job_3' })))).toBe('ok');
  });

  it('a model that throws is JOB_FAILED with a generic message; the detail is logged', async () => {
    const out = await make().runJob(job({ model: 'crash', input: {} }));
    expect(out).toEqual({
      ok: false,
      code: 'JOB_FAILED',
      message: 'the model "crash" failed to run the job',
    });
    expect(log.error).toHaveBeenCalledWith(
      'job failed',
      expect.objectContaining({ jobId: 'job_1', error: expect.stringContaining('0xdeadbeef') }),
    );
  });
});
