import type { Kysely } from 'kysely';
import { type Db, fromKysely, fromPglite, type KyselyTransactionLike, PgBoss } from 'pg-boss';
import type { OpenDatabase } from '../db/open-database.js';
import type { Database } from '../db/schema.js';

/** pg-boss keeps its tables here, apart from Latchkey's own. */
export const QUEUE_SCHEMA = 'latchkey_jobs';
/** A job no runtime has taken within this long fails (pg-boss `retentionSeconds`). */
export const QUEUE_WAIT_MS = 24 * 3600_000;
/**
 * A worker renews its claim on a running job this often (pg-boss `touch`); a claim not
 * renewed for LEASE_SECONDS has lapsed (its process died) and pg-boss puts the job back.
 */
export const LEASE_SECONDS = 15;
export const HEARTBEAT_MS = 5_000;
/** Attempts after the first whose lease lapsed, before the job fails as lost. */
export const RETRY_LIMIT = 2;
/** How often pg-boss looks for lapsed leases (its supervise and monitor passes). */
const SUPERVISE_SECONDS = 5;

/**
 * One pg-boss queue per model and version: `job/render`, `job/modelco/styler/2` for
 * `modelco/styler@2` (pg-boss names take letters, digits, `_.-/`; a built-in has no slash,
 * a partner model one, so the version's segment is never ambiguous).
 */
export const queueName = (model: string) => `job/${model.replace('@', '/')}`;
/** Where pg-boss moves a job whose every attempt lapsed. */
export const LOST_QUEUE = 'job-lost';

/**
 * The pg-boss instance for this process's database. On PostgreSQL pg-boss has its own
 * small pool. On PGlite it goes through Kysely's one connection, so its statements wait
 * their turn like everyone else's and never land inside someone's transaction.
 */
export function createQueueStore(
  database: Pick<OpenDatabase, 'kind' | 'url' | 'pglite'>,
  db: Kysely<Database>,
): PgBoss {
  const common = {
    schema: QUEUE_SCHEMA,
    // No cron schedules: nothing here uses them, and their timers would only cost.
    schedule: false,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
  } as const;
  if (database.kind === 'postgres' && database.url)
    return new PgBoss({ ...common, connectionString: database.url, max: 4 });
  const { pglite } = database;
  if (!pglite) throw new TypeError('an embedded database must come with its PGlite instance');
  // pg-boss's own PGlite adapter sends its multi-statement migrations and `locked()`
  // blocks (BEGIN; advisory lock; …; COMMIT) through `exec`, since `query` takes one
  // statement only, and rolls back a block that failed. Advisory locks and SKIP LOCKED
  // work on PGlite as on PostgreSQL (`backend: 'pglite'` turns no compatibility flag on).
  // LISTEN is left out: one process, woken directly on enqueue.
  const direct = fromPglite(pglite);
  const serialised: Db = {
    executeSql: (text, values) =>
      db.connection().execute(() => direct.executeSql(text, values as unknown[])),
  };
  return new PgBoss({ ...common, db: serialised, backend: 'pglite' });
}

/** pg-boss statements inside a Kysely transaction (on PGlite too: the transaction holds the connection). */
export const inTransaction = (trx: Kysely<Database>): Db =>
  fromKysely(trx as unknown as KyselyTransactionLike);
