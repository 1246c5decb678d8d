import { type Kysely, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.js';
import type { RuntimeRow } from '../realtime/schema.js';
import type { Clock } from '../services/clock.js';
import { inTransaction, LEASE_SECONDS, QUEUE_WAIT_MS, queueName } from './queue-store.js';

/** What pg-boss holds of a job (the rest is its row); copied whole into LOST_QUEUE. */
export interface Payload {
  jobId: string;
  model: string;
}

/** A job this process holds: its row, and its pg-boss attempt (the lease). */
export interface Held {
  jobId: string;
  model: string;
  queue: string;
  attempt: { id: string; retryCount: number };
  runtimeId: string;
}

export interface Claimed {
  held: Held;
  row: { key_id: string; input: unknown };
}

/**
 * A running job's row holds its runtime's job slot until `lease_until`, which the process
 * running it renews with its pg-boss lease; a lapsed row lease frees the slot (the sweep
 * queues the row again) so that the job pg-boss puts back can run there.
 */
export const ROW_LEASE_MS = LEASE_SECONDS * 1000;

/**
 * Takes jobs of `model` for `runtime`, as many as it has free job slots: in one
 * transaction that holds the runtime's slot lock, counts its running jobs, fetches the
 * jobs from pg-boss and marks their rows running. Processes that picked the same free
 * slot take turns, so a runtime is never sent more jobs than it has slots (it would
 * refuse the extra one). `drained`: fewer jobs were waiting than there were slots.
 */
export async function claimJobs(
  deps: { db: Kysely<Database>; clock: Clock; boss: PgBoss },
  model: string,
  runtime: Pick<RuntimeRow, 'id' | 'capacity_jobs'>,
): Promise<{ claimed: Claimed[]; drained: boolean }> {
  const queue = queueName(model);
  return deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`latchkey:job-slots:${runtime.id}`}))`.execute(
      trx,
    );
    const busy = await trx
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('runtime_id', '=', runtime.id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    const free = runtime.capacity_jobs - Number(busy?.n ?? 0);
    if (free <= 0) return { claimed: [], drained: false };
    const db = inTransaction(trx);
    const jobs = await deps.boss.fetch<Payload>(queue, { db, batchSize: free });
    const claimed: Claimed[] = [];
    const now = deps.clock.now();
    for (const job of jobs) {
      const attempt = { id: job.id, retryCount: job.retryCount };
      const row = await trx
        .updateTable('jobs')
        .set({
          state: 'running',
          runtime_id: runtime.id,
          started_at: new Date(now),
          lease_until: new Date(now + ROW_LEASE_MS),
        })
        .where('id', '=', job.data.jobId)
        .where('state', 'in', ['queued', 'running'])
        .returning(['key_id', 'input'])
        .executeTakeFirst();
      if (row)
        claimed.push({
          held: { jobId: job.data.jobId, model, queue, attempt, runtimeId: runtime.id },
          row,
        });
      // Its row finished meanwhile (the sweep, an earlier attempt): nothing to run.
      else await deps.boss.complete(queue, attempt, null, { db });
    }
    return { claimed, drained: jobs.length < free };
  });
}

/** A job its runtime would not start (MODEL_UNAVAILABLE) is tried again after this long. */
export const REFUSED_RETRY_SECONDS = 2;

/**
 * The runtime would not start the job: nothing ran, so it waits again rather than fail.
 * Its slots may still be busy with runs a dead process started (the directory counts
 * rows, and a lost run's row was queued again when its lease lapsed), its model may be
 * deploying, or it may be stopping. The attempt is completed and the job sent again in
 * one transaction, delayed so a busy runtime is not asked again at once; a refusal is
 * not a lost attempt, so the retry count starts over. The row keeps its deadline.
 */
export async function putBack(deps: { db: Kysely<Database>; boss: PgBoss }, h: Held) {
  await deps.db.transaction().execute(async (trx) => {
    const db = inTransaction(trx);
    const row = await trx
      .updateTable('jobs')
      .set({
        state: 'queued',
        runtime_id: null,
        lease_until: sql<Date>`created_at + make_interval(secs => ${QUEUE_WAIT_MS / 1000})`,
      })
      .where('id', '=', h.jobId)
      .where('state', 'in', ['queued', 'running'])
      .returning('id')
      .executeTakeFirst();
    await deps.boss.complete(h.queue, h.attempt, null, { db });
    if (row)
      await deps.boss.send(h.queue, { jobId: h.jobId, model: h.model } satisfies Payload, {
        db,
        startAfter: REFUSED_RETRY_SECONDS,
      });
  });
}
