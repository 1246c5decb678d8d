import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { secureDataDir, tightenDataDir } from './data-dir-permissions.js';
import { migrate } from './migrations.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** The connection string, on PostgreSQL (for LISTEN). */
  url?: string;
  /** The embedded database itself, on PGlite (the job queue reaches it through `db`'s one connection). */
  pglite?: PGlite;
  /** Things the operator should know (a data dir owned by someone else). */
  warnings: string[];
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; when absent, PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
}

/** Opens the database and runs pending migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client losing its connection must not crash the process; the next
    // query gets a fresh connection, or a 503 until the database is back.
    pool.on('error', () => undefined);
    // A connection that drops while checked out (mid-query, or between a query's
    // failure and its release) emits 'error' with no pool listener attached: without
    // one of its own that is an uncaught exception that takes the process down.
    // The failed query itself still rejects, and the pool discards the client.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrate(db as Kysely<unknown>);
    return {
      db,
      kind: 'postgres',
      url: options.databaseUrl,
      warnings: [],
      close: () => db.destroy(),
    };
  }
  const warnings = secureDataDir(options.dataDir);
  const pglite = await PGlite.create(`${options.dataDir}/pgdata`);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrate(db as Kysely<unknown>);
  warnings.push(...tightenDataDir(options.dataDir));
  return {
    db,
    kind: 'pglite',
    pglite,
    warnings,
    close: async () => {
      await db.destroy();
      await pglite.close();
      tightenDataDir(options.dataDir);
    },
  };
}

/** True when an error means the database cannot be reached (so: 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const codes = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    '57P01',
    '57P02',
    '57P03',
    '08000',
    '08003',
    '08006',
    '08001',
    '08004',
    '53300',
  ]);
  if (e.code && codes.has(e.code)) return true;
  const m = e.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|not queryable/i.test(
    m,
  );
}
