import { parseModelRef } from '@latchkey/core';
import type { Logger } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.js';
import type { RuntimeDirectory } from '../realtime/runtime-directory.js';
import type { AuditWriter } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import type { SigningKeys } from '../services/signing-keys.js';
import { claimJobs, type Held, type Payload, putBack, ROW_LEASE_MS } from './job-claim.js';
import { type JobOutcome, jobToken, outcomeOf, recordOutcome } from './job-outcome.js';
import {
  HEARTBEAT_MS,
  inTransaction,
  LEASE_SECONDS,
  LOST_QUEUE,
  QUEUE_WAIT_MS,
  queueName,
  RETRY_LIMIT,
} from './queue-store.js';

export { ROW_LEASE_MS } from './job-claim.js';
export { type JobOutcome, MAX_RESULT_BYTES } from './job-outcome.js';

/** One run of a job may take this long (pg-boss `expireInSeconds`); then it is tried again. */
export const MAX_RUN_MS = 10 * 60_000;
/** The safety-net poll: lapsed leases put back by pg-boss, slots freed on other processes. */
const POLL_MS = 1_000;

/**
 * The durable job queue: pg-boss in the database, one queue per model. Every serving
 * process works it; a process takes a job only when a live runtime serving the model has
 * a free job slot, holds it with a lease it renews, and records the outcome in `jobs`.
 * A lease not renewed (the process died) lapses and pg-boss puts the job back for
 * any process; after RETRY_LIMIT lapses the job fails as lost.
 */
export function createJobQueue(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditWriter;
  log: Logger;
  bus: EventBus;
  directory: RuntimeDirectory;
  boss: PgBoss;
  signingKeys: SigningKeys;
  issuer: string;
  audience: string;
}) {
  const { boss } = deps;
  const waiters = new Map<string, Array<(o: JobOutcome) => void>>();
  const held = new Map<string, Held>();
  const queues = new Map<string, Promise<void>>();
  let ready: Promise<void> | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let poll: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Lost jobs are looked for on the safety-net poll, not on every wake. */
  let lostDue = true;

  const settle = (jobId: string, outcome: JobOutcome) => {
    for (const w of waiters.get(jobId) ?? []) w(outcome);
    waiters.delete(jobId);
  };

  const ensureQueue = (model: string) => {
    let made = queues.get(model);
    if (!made) {
      made = boss.createQueue(queueName(model), {
        expireInSeconds: MAX_RUN_MS / 1000,
        heartbeatSeconds: LEASE_SECONDS,
        retryLimit: RETRY_LIMIT,
        retryDelay: 0,
        retentionSeconds: QUEUE_WAIT_MS / 1000,
        deleteAfterSeconds: 3600,
        deadLetter: LOST_QUEUE,
      });
      made.catch(() => queues.delete(model));
      queues.set(model, made);
    }
    return made;
  };

  const finish = async (h: Pick<Held, 'jobId' | 'model' | 'queue' | 'attempt'>, o: JobOutcome) => {
    const written = await recordOutcome(deps, h.jobId, o);
    // Not written: the job had finished already (the sweep, another attempt); say what it was.
    if (written) settle(h.jobId, written);
    else await checkWaiters();
    // The row first, then pg-boss: a process that dies in between leaves a job that is
    // put back, finds its row finished, and is completed then.
    await boss
      .complete(h.queue, h.attempt)
      .catch((error) => deps.log.warn('could not complete a queued job', { error: String(error) }));
    await deps.bus
      .publish({ type: 'jobs-changed', model: h.model, finished: h.jobId })
      .catch(() => undefined);
  };

  const run = async (h: Held, row: { key_id: string; input: unknown }) => {
    let outcome: JobOutcome;
    let refused = false;
    try {
      const token = await jobToken(deps, { key_id: row.key_id, model: h.model });
      const host = token.ok ? await deps.directory.host(h.runtimeId) : undefined;
      const result = !token.ok
        ? token
        : host
          ? await host.runJob({
              jobId: h.jobId,
              model: h.model,
              token: token.token,
              input: row.input,
            })
          : ({ ok: false, code: 'UNAVAILABLE', message: 'the runtime cannot be reached' } as const);
      outcome = result.ok
        ? { ok: true, contentType: result.value.contentType, body: result.value.body }
        : { ok: false, code: result.code, message: result.message };
      refused = host !== undefined && !result.ok && result.code === 'MODEL_UNAVAILABLE';
    } catch (error) {
      deps.log.error('job failed unexpectedly', { jobId: h.jobId, error: String(error) });
      outcome = { ok: false, code: 'INTERNAL_ERROR', message: 'the job failed' };
    }
    // A stopped process has put the job back already; its outcome is the next attempt's.
    if (held.get(h.jobId) !== h) return;
    held.delete(h.jobId);
    if (refused) {
      deps.log.info('the runtime did not start a job; it waits again', {
        jobId: h.jobId,
        runtimeId: h.runtimeId,
        message: outcome.ok ? '' : outcome.message,
      });
      await putBack({ db: deps.db, boss }, h).catch((error) =>
        deps.log.warn('could not put a job back', { jobId: h.jobId, error: String(error) }),
      );
      return;
    }
    // finish() tells every process, this one too, that a slot is free.
    await finish(h, outcome).catch((error) =>
      deps.log.warn('could not record a job outcome', { jobId: h.jobId, error: String(error) }),
    );
  };

  const pumpModel = async (model: string) => {
    await ensureQueue(model);
    while (!stopped) {
      const runtime = await deps.directory.pick(model, 'job');
      if (!runtime) {
        // Served: a runtime announces it ready or deploying (its jobs wait); one whose
        // load failed serves nothing, and the jobs fail now rather than wait out their day.
        const ref = parseModelRef(model);
        const served = (await deps.directory.models()).some(
          (m) =>
            m.name === ref?.name &&
            m.kind === 'batch' &&
            m.state !== 'failed' &&
            (ref.version === undefined || m.version === ref.version),
        );
        if (!served) await failUnserved(model);
        return;
      }
      const { claimed, drained } = await claimJobs(deps, model, runtime);
      for (const c of claimed) {
        held.set(c.held.jobId, c.held);
        void run(c.held, c.row);
      }
      // Drained: nothing more waits. Nothing claimed: another process took the slots first
      // (the next look tries the other runtimes).
      if (drained || claimed.length === 0) return;
    }
  };

  const failUnserved = async (model: string) => {
    const queue = queueName(model);
    for (;;) {
      const jobs = await boss.fetch<Payload>(queue, { batchSize: 50 });
      if (jobs.length === 0 || stopped) return;
      for (const job of jobs)
        await finish(
          { jobId: job.data.jobId, model, queue, attempt: job },
          {
            ok: false,
            code: 'MODEL_UNAVAILABLE',
            message: `no runtime serves "${model}" any more`,
          },
        );
    }
  };

  /** Jobs whose every attempt lapsed: pg-boss moved them to LOST_QUEUE. */
  const failLost = async () => {
    const jobs = await boss.fetch<Payload>(LOST_QUEUE, { batchSize: 50 });
    for (const job of jobs)
      await finish(
        { jobId: job.data.jobId, model: job.data.model, queue: LOST_QUEUE, attempt: job },
        {
          ok: false,
          code: 'UNAVAILABLE',
          message: 'the processes running the job stopped before it finished; submit it again',
        },
      );
  };

  const pumpOnce = async () => {
    if (lostDue) {
      lostDue = false;
      await failLost();
    }
    const models = await deps.db
      .selectFrom('jobs')
      .select('model')
      .distinct()
      .where('state', 'in', ['queued', 'running'])
      .execute();
    for (const { model } of models) {
      if (stopped) return;
      await pumpModel(model);
    }
  };

  /** Takes all the work there are free slots for; a call while one runs makes it go round again. */
  const pump = async (): Promise<void> => {
    if (stopped || !ready) return;
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        await ready;
        do {
          again = false;
          await pumpOnce();
        } while (again && !stopped);
      } catch (error) {
        if (!stopped) deps.log.warn('job queue stalled', { error: String(error) });
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  };

  /** Waiters whose job another process finished. */
  const checkWaiters = async () => {
    const ids = [...waiters.keys()];
    if (ids.length === 0) return;
    const rows = await deps.db
      .selectFrom('jobs')
      .select(['id', 'state', 'result', 'result_type', 'error_code', 'error_message'])
      .where('id', 'in', ids)
      .where('state', 'in', ['succeeded', 'failed'])
      .execute();
    for (const r of rows) {
      const outcome = outcomeOf(r);
      if (outcome) settle(r.id, outcome);
    }
  };

  const renewLeases = async () => {
    const byQueue = new Map<string, Held['attempt'][]>();
    for (const h of held.values())
      byQueue.set(h.queue, [...(byQueue.get(h.queue) ?? []), h.attempt]);
    for (const [queue, attempts] of byQueue) await boss.touch(queue, attempts);
    const ids = [...held.keys()];
    if (ids.length > 0)
      await deps.db
        .updateTable('jobs')
        .set({ lease_until: new Date(deps.clock.now() + ROW_LEASE_MS) })
        .where('id', 'in', ids)
        .where('state', '=', 'running')
        .execute();
  };

  const start = (): Promise<void> => {
    if (stopped) return Promise.reject(new Error('the job queue has stopped'));
    ready ??= (async () => {
      boss.on('error', (error: unknown) =>
        deps.log.warn('job queue error', { error: String(error) }),
      );
      await boss.start();
      await boss.createQueue(LOST_QUEUE);
      if (stopped) return;
      deps.bus.subscribe((event) => {
        if (event.type !== 'jobs-changed' || stopped) return;
        void pump();
        if (event.finished && waiters.has(event.finished))
          void checkWaiters().catch(() => undefined);
      });
      poll = setInterval(() => {
        lostDue = true;
        void pump();
        void checkWaiters().catch(() => undefined);
      }, POLL_MS);
      poll.unref();
      heartbeat = setInterval(() => {
        renewLeases().catch((error) =>
          deps.log.warn('could not renew job leases', { error: String(error) }),
        );
      }, HEARTBEAT_MS);
      heartbeat.unref();
      void pump();
    })();
    ready.catch(() => {
      ready = undefined;
    });
    return ready;
  };

  return {
    /** Starts pg-boss (creating or migrating its schema) and working the queue. */
    start,
    /** Before a transaction that enqueues for `model`: pg-boss started, the model's queue there. */
    async prepare(model: string) {
      await start();
      await ensureQueue(model);
    },
    /** Queues the job in the caller's transaction, so the row and its queue entry commit together. */
    async enqueue(trx: Kysely<Database>, job: { id: string; model: string }) {
      const payload: Payload = { jobId: job.id, model: job.model };
      await boss.send(queueName(job.model), payload, { db: inTransaction(trx) });
    },
    /** After the enqueueing transaction committed: this process looks now, the others when told. */
    wake(model: string) {
      // The bus delivers to this process at once (and then to the others): one look each.
      deps.bus.publish({ type: 'jobs-changed', model }).catch(() => undefined);
    },
    /** Resolves when the job finishes (in any process). */
    wait(jobId: string): Promise<JobOutcome> {
      return new Promise((resolve) => {
        const list = waiters.get(jobId) ?? [];
        list.push(resolve);
        waiters.set(jobId, list);
      });
    },
    /** Stops working the queue; jobs this process holds go back for another process. */
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const id of [...waiters.keys()])
        settle(id, {
          ok: false,
          code: 'UNAVAILABLE',
          message: `the server is stopping; poll GET /v1/jobs/${id}`,
        });
      if (!ready) return;
      await ready.catch(() => undefined);
      clearInterval(poll);
      clearInterval(heartbeat);
      await pumping;
      const mine = [...held.values()];
      held.clear();
      for (const h of mine) {
        await boss
          .fail(h.queue, h.attempt, { reason: 'the process stopped' })
          .catch(() => undefined);
        await deps.db
          .updateTable('jobs')
          .set({
            state: 'queued',
            runtime_id: null,
            lease_until: new Date(deps.clock.now() + QUEUE_WAIT_MS),
          })
          .where('id', '=', h.jobId)
          .where('state', '=', 'running')
          .execute()
          .catch(() => undefined);
      }
      await boss.stop({ graceful: false, close: true, timeout: 5_000 }).catch((error) => {
        deps.log.warn('job queue did not stop cleanly', { error: String(error) });
      });
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
