import type { Logger } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RuntimeDirectory } from '../realtime/runtime-directory.js';
import type { AuditWriter } from '../services/audit.js';
import type { Clock } from '../services/clock.js';

/** A running job holds its lease this long; a lapsed lease means its process died. */
export const JOB_LEASE_MS = 10 * 60_000;
/** Results larger than this fail the job rather than fill the database. */
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
const RETRY_MS = 250;

export interface QueuedJob {
  id: string;
  orgId: string;
  actor: string;
  model: string;
  token: string;
  input: unknown;
}

export type JobOutcome =
  | { ok: true; contentType: string; body: Uint8Array }
  | { ok: false; code: string; message: string };

/**
 * Runs the jobs this process accepted, first in first out, each on the live runtime
 * with the most free job slots. A job that finds no free slot waits in the queue.
 */
export function createJobQueue(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditWriter;
  log: Logger;
  directory: RuntimeDirectory;
}) {
  const queue: QueuedJob[] = [];
  const waiters = new Map<string, Array<(o: JobOutcome) => void>>();
  let pumping = false;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;

  const finish = async (job: QueuedJob, outcome: JobOutcome) => {
    const now = new Date(deps.clock.now());
    const tooBig = outcome.ok && outcome.body.byteLength > MAX_RESULT_BYTES;
    const final: JobOutcome = tooBig
      ? {
          ok: false,
          code: 'COMMAND_FAILED',
          message: `the result is over ${MAX_RESULT_BYTES} bytes`,
        }
      : outcome;
    await deps.db
      .updateTable('jobs')
      .set(
        final.ok
          ? {
              state: 'succeeded',
              result: final.body,
              result_type: final.contentType,
              result_bytes: final.body.byteLength,
              finished_at: now,
            }
          : {
              state: 'failed',
              error_code: final.code,
              error_message: final.message.slice(0, 500),
              finished_at: now,
            },
      )
      .where('id', '=', job.id)
      .where('state', 'in', ['queued', 'running'])
      .execute();
    await deps.audit
      .write({
        orgId: job.orgId,
        action: 'job.finished',
        actor: job.actor,
        target: job.id,
        outcome: final.ok ? 'ok' : final.code,
        data: final.ok
          ? { model: job.model, bytes: final.body.byteLength, contentType: final.contentType }
          : { model: job.model, message: final.message.slice(0, 200) },
      })
      .catch((error) => deps.log.warn('audit write failed', { error: String(error) }));
    for (const w of waiters.get(job.id) ?? []) w(final);
    waiters.delete(job.id);
  };

  const run = async (job: QueuedJob, runtimeId: string) => {
    try {
      const host = await deps.directory.host(runtimeId);
      const result = host
        ? await host.runJob({ jobId: job.id, model: job.model, token: job.token, input: job.input })
        : ({ ok: false, code: 'UNAVAILABLE', message: 'the runtime cannot be reached' } as const);
      await finish(
        job,
        result.ok
          ? { ok: true, contentType: result.value.contentType, body: result.value.body }
          : { ok: false, code: result.code, message: result.message },
      );
    } catch (error) {
      deps.log.error('job failed unexpectedly', { jobId: job.id, error: String(error) });
      await finish(job, { ok: false, code: 'INTERNAL_ERROR', message: 'the job failed' }).catch(
        () => undefined,
      );
    }
    void pump();
  };

  const pump = async () => {
    if (pumping || stopped) return;
    pumping = true;
    try {
      while (queue.length > 0 && !stopped) {
        const job = queue[0] as QueuedJob;
        const runtime = await deps.directory.pick(job.model, 'job');
        if (!runtime) {
          const serving = (await deps.directory.models()).some(
            (m) => m.name === job.model && m.kind === 'batch',
          );
          if (!serving) {
            queue.shift();
            await finish(job, {
              ok: false,
              code: 'MODEL_UNAVAILABLE',
              message: `no runtime serves "${job.model}" any more`,
            });
            continue;
          }
          retry ??= setTimeout(() => {
            retry = undefined;
            void pump();
          }, RETRY_MS);
          return;
        }
        queue.shift();
        const now = deps.clock.now();
        await deps.db
          .updateTable('jobs')
          .set({
            state: 'running',
            runtime_id: runtime.id,
            started_at: new Date(now),
            lease_until: new Date(now + JOB_LEASE_MS),
          })
          .where('id', '=', job.id)
          .execute();
        void run(job, runtime.id);
      }
    } catch (error) {
      deps.log.warn('job queue stalled', { error: String(error) });
      retry ??= setTimeout(() => {
        retry = undefined;
        void pump();
      }, RETRY_MS);
    } finally {
      pumping = false;
    }
  };

  return {
    enqueue(job: QueuedJob) {
      queue.push(job);
      void pump();
    },
    /** Resolves when the job finishes (in this process). */
    wait(jobId: string): Promise<JobOutcome> {
      return new Promise((resolve) => {
        const list = waiters.get(jobId) ?? [];
        list.push(resolve);
        waiters.set(jobId, list);
      });
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
