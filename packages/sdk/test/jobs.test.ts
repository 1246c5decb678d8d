// Batch jobs against the real server and its embedded runtime (the demo `render`
// model, plus a model that always fails and one that is slow): process, submit,
// status, result, submitAndWait, failures, ownership, and argument checks.
import { defaultModels, defineBatchModel, renderModel } from '@latchkey/runtime';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type JobInfo, type LatchkeyClient, LatchkeyError } from '../src/index.js';
import { createProxyHandler, toNodeHandler } from '../src/server.js';
import { type Latchkey, listen, startLatchkey } from './helpers.js';

const broken = defineBatchModel({
  name: 'broken',
  description: 'always fails',
  input: renderModel.input,
  resultType: 'image/png',
  run() {
    throw new Error('the GPU caught fire');
  },
});
const slow = defineBatchModel({
  name: 'slow',
  description: 'takes 1.5 s',
  input: renderModel.input,
  resultType: 'text/plain',
  async run(input) {
    await new Promise((r) => setTimeout(r, 1500));
    return new TextEncoder().encode(`slowly: ${(input as { prompt: string }).prompt}`);
  },
});

let lk: Latchkey;
let server: LatchkeyClient;
const FOX = { model: 'render', prompt: 'a red fox', width: 32, height: 24 };
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

beforeAll(async () => {
  lk = await startLatchkey(
    {},
    { runtime: { models: [...defaultModels(), broken, slow], capacity: { jobs: 8 } } },
  );
  server = createClient({ apiKey: lk.key, baseUrl: lk.url });
});
afterAll(async () => {
  await lk?.close();
});

const bytes = async (blob: Blob) => [...new Uint8Array(await blob.arrayBuffer())];
const tokenClient = async (grant: Parameters<LatchkeyClient['tokens']['create']>[0]) =>
  createClient({ token: (await server.tokens.create(grant)).token, baseUrl: lk.url });

async function rejection(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}

describe('client.process', () => {
  it('runs render now and resolves with a PNG Blob; the same input gives the same bytes', async () => {
    const png = await server.process(FOX);
    expect(png).toBeInstanceOf(Blob);
    expect(png.type).toBe('image/png');
    const got = await bytes(png);
    expect(got.slice(0, 8)).toEqual(PNG_SIGNATURE);
    expect(await bytes(await server.process(FOX))).toEqual(got);
    expect(await bytes(await server.process({ ...FOX, prompt: 'a blue fox' }))).not.toEqual(got);
  });

  it('works with a session token for the model, and refuses other models with their codes', async () => {
    const client = await tokenClient({ models: ['render'], expiresIn: 300 });
    expect((await client.process(FOX)).type).toBe('image/png');
    const notAllowed = await rejection(client.process({ ...FOX, model: 'broken' }));
    expect(notAllowed).toMatchObject({ code: 'MODEL_NOT_ALLOWED', status: 403 });
    const notFound = await rejection(server.process({ ...FOX, model: 'nonesuch' }));
    expect(notFound).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
  });

  it('input the model refuses is INVALID_REQUEST naming the field; a failing model is JOB_FAILED', async () => {
    const invalid = await rejection(server.process({ model: 'render', prompt: '' }));
    expect(invalid).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    expect(invalid.message).toMatch(/\bprompt\b/i);
    const failed = await rejection(server.process({ model: 'broken', prompt: 'x' }));
    expect(failed).toMatchObject({ code: 'JOB_FAILED', status: 409 });
    expect(failed.message).not.toMatch(/GPU/); // the detail stays in the runtime's log
  });
});

describe('client.jobs', () => {
  it('submit → status → result', async () => {
    const job = await server.jobs.submit(FOX);
    expect(job).toMatchObject({ model: 'render', error: null });
    expect(job.jobId).toMatch(/^job_[0-9A-Za-z]{22}$/);
    expect(['queued', 'running', 'succeeded']).toContain(job.state);
    const info: JobInfo = await vi.waitFor(
      async () => {
        const now = await server.jobs.status(job.jobId);
        if (now.state !== 'succeeded') throw new Error(`job still ${now.state}`);
        return now;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(info).toMatchObject({ state: 'succeeded', result: { contentType: 'image/png' } });
    const png = await server.jobs.result(job.jobId);
    expect(png.type).toBe('image/png');
    expect(png.size).toBe(info.result?.bytes);
    expect(await bytes(png)).toEqual(await bytes(await server.process(FOX)));
  });

  it('submitAndWait reports each state and resolves with the result', async () => {
    const seen: string[] = [];
    const text = await server.jobs.submitAndWait(
      { model: 'slow', prompt: 'tortoise' },
      { onStatusChange: (job) => seen.push(job.state), pollIntervalMs: 100 },
    );
    expect(text.type).toMatch(/^text\/plain/);
    expect(await text.text()).toBe('slowly: tortoise');
    expect(seen[0]).toMatch(/queued|running/);
    expect(seen.at(-1)).toBe('succeeded');
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("a failed job rejects submitAndWait with the job's error; its result is JOB_FAILED", async () => {
    const seen: JobInfo[] = [];
    const error = await rejection(
      server.jobs.submitAndWait(
        { model: 'broken', prompt: 'x' },
        { onStatusChange: (job) => seen.push(job), pollIntervalMs: 50 },
      ),
    );
    const last = seen.at(-1);
    expect(last?.state).toBe('failed');
    expect(error.code).toBe(last?.error?.code);
    expect(error.code).toBe('JOB_FAILED');
    expect(error.message).toContain(`Job ${last?.jobId} failed: ${last?.error?.message}`);
    // Made by the SDK from the job's state: it links to the platform's own error page.
    expect(error.docs).toBe(`${lk.url}/docs/errors#JOB_FAILED`);
    const result = await rejection(server.jobs.result(last?.jobId as string));
    expect(result).toMatchObject({ code: 'JOB_FAILED', status: 409 });
    expect(result.docs).toBe(`${lk.url}/docs/errors#JOB_FAILED`);
  });

  it('a result asked for too early is JOB_NOT_FINISHED; a wait that runs out is TIMEOUT', async () => {
    const job = await server.jobs.submit({ model: 'slow', prompt: 'hare' });
    const early = await rejection(server.jobs.result(job.jobId));
    expect(early).toMatchObject({ code: 'JOB_NOT_FINISHED', status: 409 });
    const timeout = await rejection(
      server.jobs.submitAndWait({ model: 'slow', prompt: 'hare' }, { timeoutMs: 300 }),
    );
    expect(timeout.code).toBe('TIMEOUT');
    expect(timeout.message).toMatch(
      /Job job_\w+ did not finish within 300 ms; it may still finish/,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('navigated away')), 100);
    await expect(
      server.jobs.submitAndWait({ model: 'slow', prompt: 'x' }, { signal: controller.signal }),
    ).rejects.toThrow('navigated away');
  });

  it("another org cannot see a job (NOT_FOUND); a token sees its own end user's jobs only", async () => {
    const job = await server.jobs.submitAndWait({ ...FOX, prompt: 'private' });
    expect(job.type).toBe('image/png');
    const submitted = await server.jobs.submit({ ...FOX, prompt: 'private 2' });
    const org = await lk.admin.createOrg({ name: 'Other org', actor: 'sdk-test' });
    if (!org.ok) throw new Error(org.message);
    const key = await lk.admin.createKey({ org: org.value.id, actor: 'sdk-test' });
    if (!key.ok) throw new Error(key.message);
    const other = createClient({ apiKey: key.value.secret, baseUrl: lk.url });
    for (const call of [other.jobs.status(submitted.jobId), other.jobs.result(submitted.jobId)])
      expect(await rejection(call)).toMatchObject({ code: 'NOT_FOUND', status: 404 });

    const alice = await tokenClient({ models: ['render'], metadata: { userId: 'alice' } });
    const aliceAgain = await tokenClient({ models: ['render'], metadata: { userId: 'alice' } });
    const bob = await tokenClient({ models: ['render'], metadata: { userId: 'bob' } });
    const mine = await alice.jobs.submit({ ...FOX, prompt: 'alice' });
    expect((await aliceAgain.jobs.status(mine.jobId)).jobId).toBe(mine.jobId);
    expect(await rejection(bob.jobs.status(mine.jobId))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await server.jobs.status(mine.jobId)).jobId).toBe(mine.jobId); // the org's key sees all
  });
});

describe('through createProxyHandler (what a browser without a token does)', () => {
  let proxy: Awaited<ReturnType<typeof listen>>;
  let browser: LatchkeyClient;
  /** The Authorization header of each request the browser side sent, and of each the proxy sent on. */
  const fromBrowser: (string | null)[] = [];
  const upstream: (string | null)[] = [];
  /** Every response the browser side received: status line, headers and body. */
  const toBrowser: string[] = [];

  beforeAll(async () => {
    proxy = await listen(
      toNodeHandler(
        createProxyHandler({
          apiKey: lk.key,
          baseUrl: lk.url,
          basePath: '/api/latchkey',
          authorize: () => ({ endUser: 'u_1' }),
          fetch: (input, init) => {
            upstream.push(new Headers(init?.headers).get('authorization'));
            return fetch(input, init);
          },
        }),
      ),
    );
    browser = createClient({
      proxy: `${proxy.url}/api/latchkey`,
      fetch: async (input, init) => {
        fromBrowser.push(new Headers(init?.headers).get('authorization'));
        const res = await fetch(input, init);
        const body = Buffer.from(await res.clone().arrayBuffer()).toString('latin1');
        const headers: string[] = [];
        res.headers.forEach((value, name) => {
          headers.push(`${name}: ${value}`);
        });
        toBrowser.push(`${res.status}\n${headers.join('\n')}\n\n${body}`);
        return res;
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('process, submit, status, result and submitAndWait all work through the proxy', async () => {
    const direct = await bytes(await server.process(FOX));
    const png = await browser.process(FOX);
    expect(png.type).toBe('image/png');
    expect(await bytes(png)).toEqual(direct);
    const job = await browser.jobs.submit(FOX);
    await vi.waitFor(
      async () => expect((await browser.jobs.status(job.jobId)).state).toBe('succeeded'),
      { timeout: 10_000, interval: 50 },
    );
    expect(await bytes(await browser.jobs.result(job.jobId))).toEqual(direct);
    const seen: string[] = [];
    const waited = await browser.jobs.submitAndWait(FOX, {
      onStatusChange: (j) => seen.push(j.state),
      pollIntervalMs: 50,
    });
    expect(await bytes(waited)).toEqual(direct);
    expect(seen.at(-1)).toBe('succeeded');
  });

  it('platform refusals come through with their codes', async () => {
    const failed = await rejection(browser.process({ model: 'broken', prompt: 'x' }));
    expect(failed).toMatchObject({ code: 'JOB_FAILED', status: 409 });
    const waited = await rejection(
      browser.jobs.submitAndWait({ model: 'broken', prompt: 'x' }, { pollIntervalMs: 50 }),
    );
    expect(waited.code).toBe('JOB_FAILED');
    const invalid = await rejection(browser.jobs.submit({ model: 'render', prompt: '' }));
    expect(invalid.code).toBe('INVALID_REQUEST');
  });

  it('the browser side sent no credentials and never received the key', () => {
    expect(fromBrowser.length).toBeGreaterThan(8);
    expect(new Set(fromBrowser)).toEqual(new Set([null]));
    expect(new Set(upstream)).toEqual(new Set([`Bearer ${lk.key}`]));
    expect(toBrowser).toHaveLength(fromBrowser.length);
    for (const response of toBrowser) expect(response).not.toContain(lk.key);
    expect(toBrowser.join('\n')).not.toContain(lk.key.slice(-12));
  });
});

describe('argument checks', () => {
  it('refuse bad requests and options with a TypeError that names them, before any call', async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => server.process(undefined as never), /^process: pass the request as an object/],
      [() => server.process({} as never), /^process: model is required/],
      [() => server.process({ model: '../admin' }), /^process: model must be a model name/],
      [
        () => server.process({ model: 'render', n: 1n }),
        /^process: the input must be serialisable/,
      ],
      [
        () => server.process({ model: 'render', prompt: 'x'.repeat(17_000) }),
        /^process: the input is 17\d{3} bytes as JSON; the platform reads at most 16384/,
      ],
      [() => server.jobs.submit([] as never), /^jobs\.submit: pass the request as an object/],
      [() => server.jobs.status('job_1/../x'), /^jobs\.status: jobId must be a job id/],
      [() => server.jobs.result(42 as never), /^jobs\.result: jobId must be a job id.*got number/],
      [
        () => server.jobs.submitAndWait(FOX, { pollIntervalMs: 10 }),
        /^jobs\.submitAndWait: pollIntervalMs must be a number from 50 to 60000/,
      ],
      [
        () => server.jobs.submitAndWait(FOX, { onStatuschange: 1 } as never),
        /did you mean "onStatusChange"/,
      ],
      [
        () => server.jobs.submitAndWait(FOX, { onStatusChange: 'x' } as never),
        /onStatusChange must be a function/,
      ],
      [() => server.jobs.submitAndWait(FOX, { timeoutMs: 0 }), /timeoutMs must be a number/],
    ];
    for (const [call, message] of cases) {
      const error = await call().then(
        () => new Error('expected a TypeError'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
