// A batch job outlives the `latchkey serve` process that accepted it: two processes on
// one PostgreSQL, a runtime registered from this test process, and the process running
// the job killed (SIGKILL) mid-job. The other process takes the job back when its lease
// lapses, runs it on the runtime, and answers its result.
import { randomBytes } from 'node:crypto';
import { createLogger } from '@latchkey/core/node';
import { defineBatchModel, type RuntimeAgent, startRuntimeAgent } from '@latchkey/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { runJson, type Served, serve } from './helpers.js';
import { startFront } from './processes.js';

const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `lk_jobs_${randomBytes(4).toString('hex')}`;
const url = (() => {
  const u = new URL(BASE);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const env: Record<string, string> = {
  DATABASE_URL: url,
  LATCHKEY_SECRET: randomBytes(32).toString('base64url'),
};

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: BASE });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// The first run starts and then waits until the test lets it go (after its process is
// dead); every later run answers at once.
let runs = 0;
let letGo: () => void = () => undefined;
const held = new Promise<void>((r) => {
  letGo = r;
});
const slow = defineBatchModel({
  name: 'slow',
  description: 'the first run waits for the test',
  input: z.object({ n: z.number().int() }),
  resultType: 'application/json',
  async run(input: { n: number }) {
    runs++;
    if (runs === 1) await held;
    // Later runs take a moment, as real work does: the slot stays busy while others wait.
    else await new Promise((r) => setTimeout(r, 50));
    return {
      contentType: 'application/json',
      body: new TextEncoder().encode(JSON.stringify({ doubled: input.n * 2, run: runs })),
    };
  },
});

describe('a job whose serve process is killed mid-job', () => {
  const served: Served[] = [];
  const runtimes: RuntimeAgent[] = [];
  let front: Awaited<ReturnType<typeof startFront>> | undefined;

  beforeAll(async () => {
    // Under CI a missing PostgreSQL is a failure: this throws and the suite fails.
    await admin(`create database ${dbName}`);
    front = await startFront(() => served);
    env.LATCHKEY_ISSUER = front.url;
  });

  afterAll(async () => {
    letGo();
    await Promise.all(runtimes.map((r) => r.close()));
    await Promise.all(served.filter((s) => s.child.signalCode === null).map((s) => s.stop()));
    await front?.close();
    await admin(`drop database if exists ${dbName} with (force)`);
  });

  it('completes through the other process, and its result is read there', async () => {
    // No embedded runtimes: the runtimes are this test's, so the job runs only there.
    const a = await serve(['--no-bootstrap', '--no-runtime'], env);
    served.push(a);
    runJson(['admin', 'org', 'create', '--name', 'Jobs'], env);
    const key = runJson<{ secret: string }>(['admin', 'key', 'create', '--org', 'jobs'], env);
    const runtimeFor = async (server: Served, name: string) => {
      const credential = runJson<{ secret: string }>(
        ['admin', 'runtime', 'create', '--name', name],
        env,
      );
      const agent = await startRuntimeAgent({
        serverUrl: server.url,
        credential: credential.secret,
        models: [slow],
        capacity: { jobs: 1 },
        log: createLogger('silent'),
      });
      runtimes.push(agent);
    };
    const call = (server: Served, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${key.secret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    // A is the only process: it takes the job, and its run begins on A's runtime.
    await runtimeFor(a, 'runtime-a');
    const submitted = await call(a, '/v1/jobs/slow', { n: 21 });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    await vi.waitFor(
      async () => {
        if (runs === 0)
          throw new Error(`not started: ${await (await call(a, `/v1/jobs/${jobId}`)).text()}`);
      },
      { timeout: 20_000, interval: 20 },
    );

    // B, with a runtime of its own, comes up while A holds the job; then A is killed.
    const b = await serve(['--no-bootstrap', '--no-runtime'], env);
    served.push(b);
    await runtimeFor(b, 'runtime-b');
    expect(((await (await call(b, `/v1/jobs/${jobId}`)).json()) as { state: string }).state).toBe(
      'running',
    );
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await exited;
    letGo(); // the first run answers a dead process: its result goes nowhere

    const job = await vi.waitFor(
      async () => {
        const j = (await (await call(b, `/v1/jobs/${jobId}`)).json()) as {
          state: string;
          error: unknown;
        };
        if (j.state !== 'succeeded') throw new Error(`job is ${JSON.stringify(j)}`);
        return j;
      },
      // A's lease lapses within 15 s, and pg-boss looks for lapsed leases every 5 s.
      { timeout: 60_000, interval: 100 },
    );
    expect(job.error).toBeNull();
    const result = await call(b, `/v1/jobs/${jobId}/result`);
    expect(result.status).toBe(200);
    expect(await result.json()).toEqual({ doubled: 42, run: 2 });
  }, 120_000);

  it('processes taking turns at one runtime slot never send it a job it would refuse', async () => {
    // A is dead; B and a new process C share B's runtime, which has one job slot.
    const b = served[1] as Served;
    const c = await serve(['--no-bootstrap', '--no-runtime'], env);
    served.push(c);
    const key = runJson<{ secret: string }>(['admin', 'key', 'create', '--org', 'jobs'], env);
    const submit = async (server: Served, n: number) => {
      const res = await fetch(`${server.url}/v1/jobs/slow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      return ((await res.json()) as { jobId: string }).jobId;
    };
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => i + 1).map((n) => submit(n % 2 ? b : c, n)),
    );
    for (const id of ids) {
      const job = await vi.waitFor(
        async () => {
          const j = (await (
            await fetch(`${c.url}/v1/jobs/${id}`, {
              headers: { authorization: `Bearer ${key.secret}` },
            })
          ).json()) as { state: string; error: unknown };
          if (j.state !== 'succeeded' && j.state !== 'failed') throw new Error(j.state);
          return j;
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(job).toMatchObject({ state: 'succeeded', error: null });
    }
  }, 90_000);
});
