import { type Kysely, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.js';
import type { RuntimeRow } from '../realtime/schema.js';
import type { Clock } from '../services/clock.js';
import { inTransaction, LEASE_SECONDS, queueName } from './queue-store.js';

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

/**
 * A running job's row holds its runtime's job slot until `lease_until`, which the process
 * running it renews with its pg-boss lease; a lapsed row lease frees the slot (the sweep
 * queues the row again) so that the job pg-boss puts back can run there.
 */
export const ROW_LEASE_MS = LEASE_SECONDS * 1000;

/**
 * Takes the next job of `model` for `runtime` if the runtime has a free job slot: in one
 * transaction that holds the runtime's slot lock, counts its running jobs, fetches the
 * job from pg-boss and marks its row running. Processes that picked the same free slot
 * take turns, so a runtime is never sent more jobs than it has slots (it would refuse
 * the extra one).
 */
export async function claimJob(
  deps: { db: Kysely<Database>; clock: Clock; boss: PgBoss },
  model: string,
  runtime: Pick<RuntimeRow, 'id' | 'capacity_jobs'>,
): Promise<'full' | 'empty' | 'gone' | { held: Held; row: { key_id: string; input: unknown } }> {
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
    if (Number(busy?.n ?? 0) >= runtime.capacity_jobs) return 'full';
    const db = inTransaction(trx);
    const [job] = await deps.boss.fetch<Payload>(queue, { db });
    if (!job) return 'empty';
    const attempt = { id: job.id, retryCount: job.retryCount };
    const now = deps.clock.now();
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
    if (!row) {
      // Its row finished meanwhile (the sweep, an earlier attempt): nothing to run.
      await deps.boss.complete(queue, attempt, null, { db });
      return 'gone';
    }
    return {
      held: { jobId: job.data.jobId, model, queue, attempt, runtimeId: runtime.id },
      row,
    };
  });
}
