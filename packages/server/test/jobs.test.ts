// Batch jobs through the real HTTP API and the embedded runtime's `render` model (and
// two test models: one that waits until released, one that throws), on PGlite and on
// PostgreSQL: the queue is pg-boss in either database.
import { defaultModels, defineBatchModel } from '@latchkey/runtime';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ROW_LEASE_MS } from '../src/jobs/job-queue.js';
import { listAudit } from '../src/services/audit.js';
import {
  createTestDatabase,
  PG_URL,
  postgresAvailable,
  readError,
  requireService,
  serviceGate,
  TEST_SECRET,
  type TestDatabase,
} from './helpers.js';
import { type Realtime, startRealtime } from './realtime-helpers.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let release: () => void = () => undefined;
const gate = () =>
  new Promise<void>((r) => {
    release = r;
  });

const slow = defineBatchModel({
  name: 'slow',
  description: 'waits until the test releases it',
  input: z.object({ n: z.number().int() }),
  resultType: 'application/json',
  async run(input: { n: number }) {
    await gate();
    return {
      contentType: 'application/json',
      body: new TextEncoder().encode(JSON.stringify({ doubled: input.n * 2 })),
    };
  },
});
const broken = defineBatchModel({
  name: 'broken',
  description: 'always fails',
  input: z.object({}),
  resultType: 'application/json',
  run() {
    throw new Error('the GPU caught fire (internal detail)');
  },
});

const pgUp = await postgresAvailable();

describe.each([
  { name: 'pglite', run: true },
  { name: 'postgres', run: serviceGate('PostgreSQL', PG_URL, pgUp) },
])('jobs on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let rt: Realtime;
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      let env: Record<string, string> = {};
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
        env = { DATABASE_URL: database.url, LATCHKEY_SECRET: TEST_SECRET };
      }
      rt = await startRealtime(env, {
        runtime: { models: [...defaultModels(), slow, broken], capacity: { jobs: 2 } },
      });
    });
    afterAll(async () => {
      release();
      await rt?.close();
      await database?.drop();
    });

    interface Job {
      jobId: string;
      state: string;
      model: string;
      error: { code: string; message: string } | null;
      result: { contentType: string; bytes: number } | null;
    }

    function poll(auth: string, id: string, until: (j: Job) => boolean): Promise<Job> {
      return vi.waitFor(
        async () => {
          const job = (await (await rt.call('GET', `/v1/jobs/${id}`, { auth })).json()) as Job;
          if (!until(job)) throw new Error(`job not there yet: ${JSON.stringify(job)}`);
          return job;
        },
        { timeout: 15_000, interval: 20 },
      );
    }

    describe('POST /v1/generate/{model}', () => {
      it('answers the PNG with its type and job id; the same input gives the same bytes', async () => {
        const token = await rt.token({ models: ['render'] });
        const one = await rt.call('POST', '/v1/generate/render', {
          auth: token,
          body: { prompt: 'a red fox at dawn', width: 64, height: 48 },
        });
        expect(one.status).toBe(200);
        expect(one.headers.get('content-type')).toBe('image/png');
        const jobId = one.headers.get('x-job-id') as string;
        expect(jobId).toMatch(/^job_/);
        const bytes = Buffer.from(await one.arrayBuffer());
        expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
        expect(bytes.readUInt32BE(16)).toBe(64); // IHDR width
        expect(bytes.readUInt32BE(20)).toBe(48);
        const two = await rt.call('POST', '/v1/generate/render', {
          auth: rt.key,
          body: { prompt: 'a red fox at dawn', width: 64, height: 48 },
        });
        expect(Buffer.from(await two.arrayBuffer())).toEqual(bytes);
        // Recorded as a job too.
        const job = (await (
          await rt.call('GET', `/v1/jobs/${jobId}`, { auth: token })
        ).json()) as Job;
        expect(job).toMatchObject({ state: 'succeeded', result: { contentType: 'image/png' } });
      });

      it('refuses input the model does not take, naming the field', async () => {
        const res = await rt.call('POST', '/v1/generate/render', {
          auth: rt.key,
          body: { prompt: '', width: 5000 },
        });
        expect(res.status).toBe(400);
        const err = await readError(res);
        expect(err.error.code).toBe('INVALID_REQUEST');
        expect(err.error.message).toMatch(/prompt|width/);
      });

      it('a model that throws fails the job with JOB_FAILED, and no internal detail leaks', async () => {
        const res = await rt.call('POST', '/v1/generate/broken', { auth: rt.key, body: {} });
        expect(res.status).toBe(409);
        const err = await readError(res);
        expect(err.error.code).toBe('JOB_FAILED');
        expect(err.error.message).not.toMatch(/GPU|fire/);
      });

      it('refuses a token for another model, a realtime model and an unknown one', async () => {
        const echoOnly = await rt.token({ models: ['echo'] });
        const cases: [string, string, number, string][] = [
          [echoOnly, 'render', 403, 'MODEL_NOT_ALLOWED'],
          [rt.key, 'echo', 404, 'MODEL_NOT_FOUND'],
          [rt.key, 'nope', 404, 'MODEL_NOT_FOUND'],
          [rt.key, 'Bad%20Name', 400, 'INVALID_REQUEST'],
        ];
        for (const [auth, model, status, code] of cases) {
          const res = await rt.call('POST', `/v1/generate/${model}`, {
            auth,
            body: { prompt: 'x' },
          });
          expect(res.status, model).toBe(status);
          expect((await readError(res)).error.code).toBe(code);
        }
      });
    });

    describe('POST /v1/jobs/{model} and polling', () => {
      it('queued → running → succeeded; the result is there only once it has finished', async () => {
        const token = await rt.token({ models: ['slow'] });
        const res = await rt.call('POST', '/v1/jobs/slow', { auth: token, body: { n: 21 } });
        expect(res.status).toBe(202);
        const job = (await res.json()) as Job;
        expect(job).toMatchObject({ model: 'slow', state: 'queued', error: null, result: null });
        await poll(token, job.jobId, (j) => j.state === 'running');
        const early = await rt.call('GET', `/v1/jobs/${job.jobId}/result`, { auth: token });
        expect(early.status).toBe(409);
        expect((await readError(early)).error.code).toBe('JOB_NOT_FINISHED');
        release();
        const done = await poll(token, job.jobId, (j) => j.state === 'succeeded');
        expect(done.result).toEqual({ contentType: 'application/json', bytes: 14 });
        const result = await rt.call('GET', `/v1/jobs/${job.jobId}/result`, { auth: token });
        expect(result.headers.get('content-type')).toBe('application/json');
        expect(await result.json()).toEqual({ doubled: 42 });
        await rt.server.platform.audit.flush();
        const audit = await listAudit(rt.server.platform.db, { orgId: rt.orgId });
        expect(audit.filter((e) => e.target === job.jobId).map((e) => e.action)).toEqual(
          expect.arrayContaining(['job.submitted', 'job.finished']),
        );
      });

      it('a failed job answers JOB_FAILED for its result and says why in its state', async () => {
        const res = await rt.call('POST', '/v1/jobs/broken', { auth: rt.key, body: {} });
        const job = (await res.json()) as Job;
        const failed = await poll(rt.key, job.jobId, (j) => j.state === 'failed');
        expect(failed.error?.code).toBe('JOB_FAILED');
        expect(failed.error?.message).not.toMatch(/GPU|fire/);
        const result = await rt.call('GET', `/v1/jobs/${job.jobId}/result`, { auth: rt.key });
        expect((await readError(result)).error.code).toBe('JOB_FAILED');
      });

      it('refuses bad input up front (400), before anything is queued', async () => {
        const res = await rt.call('POST', '/v1/jobs/render', { auth: rt.key, body: { width: 3 } });
        expect(res.status).toBe(400);
        expect((await readError(res)).error.code).toBe('INVALID_REQUEST');
      });

      it('another org cannot read a job, nor another end user; the org key can', async () => {
        const mine = await rt.token({ models: ['render'], metadata: { userId: 'u_a' } });
        const res = await rt.call('POST', '/v1/jobs/render', {
          auth: mine,
          body: { prompt: 'mine' },
        });
        const job = (await res.json()) as Job;
        await poll(mine, job.jobId, (j) => j.state === 'succeeded');
        const other = await rt.otherOrg();
        const stranger = await rt.token({ models: ['render'], metadata: { userId: 'u_b' } });
        for (const auth of [other.key, stranger]) {
          for (const path of [`/v1/jobs/${job.jobId}`, `/v1/jobs/${job.jobId}/result`]) {
            const r = await rt.call('GET', path, { auth });
            expect(r.status).toBe(404);
            expect((await readError(r)).error.code).toBe('NOT_FOUND');
          }
        }
        expect(
          (await rt.call('GET', `/v1/jobs/${job.jobId}/result`, { auth: rt.key })).status,
        ).toBe(200);
      });

      it('a running job whose lease lapsed (its process died) frees its slot: the sweep queues it again', async () => {
        const token = await rt.token({ models: ['slow'] });
        const job = (await (
          await rt.call('POST', '/v1/jobs/slow', { auth: token, body: { n: 1 } })
        ).json()) as Job;
        await poll(token, job.jobId, (j) => j.state === 'running');
        // Round again if this process's lease renewal landed between the clock and the sweep.
        await vi.waitFor(
          async () => {
            rt.clock.advance(ROW_LEASE_MS + 1);
            await rt.server.platform.realtime.sweeper.tick();
            const j = (await (
              await rt.call('GET', `/v1/jobs/${job.jobId}`, { auth: token })
            ).json()) as Job;
            if (j.state !== 'queued') throw new Error(`still ${j.state}`);
          },
          { timeout: 10_000, interval: 50 },
        );
        // This process never died: its run still finishes the job.
        release();
        const done = await poll(token, job.jobId, (j) => j.state === 'succeeded');
        expect(done.result?.contentType).toBe('application/json');
      });
    });
  });
});
