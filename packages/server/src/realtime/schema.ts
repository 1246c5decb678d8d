import type { CloseReason, JobState, ModelInfo, SessionState } from '@latchkey/core';
import { type ColumnType, type Kysely, type Migration, type Selectable, sql } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/**
 * Model hosts. An `embedded` runtime lives inside one `latchkey serve` process (a new
 * row per start); a `remote` one is a `latchkey runtime` process that registers with a
 * credential of its own (only the SHA-256 of `rt_…` is kept). Both are reached at `url`
 * with the bearer `secret_enc` (sealed with the platform's secret box).
 */
export interface RuntimesTable {
  id: string;
  name: string;
  kind: 'embedded' | 'remote';
  hash: string | null;
  display: string | null;
  url: string | null;
  secret_enc: string | null;
  instance_id: string | null;
  models: Json<ModelInfo[]>;
  capacity_sessions: number;
  capacity_jobs: number;
  version: string | null;
  last_seen_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string;
  revoked_at: Timestamp | null;
  /** A partner org's runtime (it serves only that org's models); null: the operator's. */
  org_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  id: string;
  org_id: string;
  key_id: string;
  token_id: string;
  /** Who besides the token may see it (same key, same end user); null for key callers. */
  owner_ref: string | null;
  model: string;
  state: SessionState;
  close_reason: CloseReason | null;
  runtime_id: string;
  origin: string | null;
  created_at: Timestamp;
  active_at: Timestamp | null;
  closed_at: Timestamp | null;
  expires_at: Timestamp;
}

/** One row per token that opened a session: the lock that makes `maxSessions` exact. */
export interface SessionTokensTable {
  token_id: string;
  org_id: string;
  created_at: Timestamp;
}

export interface JobsTable {
  id: string;
  org_id: string;
  key_id: string;
  token_id: string | null;
  owner_ref: string | null;
  model: string;
  state: JobState;
  input: Json<unknown>;
  runtime_id: string | null;
  result: ColumnType<Uint8Array | null, Uint8Array | null, Uint8Array | null>;
  result_type: string | null;
  result_bytes: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** A queued or running job whose lease lapses was lost with its process. */
  lease_until: Timestamp;
}

/** The realtime tables, part of the one `Database` type (db/schema.ts). */
export interface RealtimeTables {
  runtimes: RuntimesTable;
  sessions: SessionsTable;
  session_tokens: SessionTokensTable;
  jobs: JobsTable;
}

export type RuntimeRow = Selectable<RuntimesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type JobRow = Selectable<JobsTable>;

export const realtimeMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('runtimes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('embedded', 'remote')`))
      .addColumn('hash', 'text', (c) => c.unique())
      .addColumn('display', 'text')
      .addColumn('url', 'text')
      .addColumn('secret_enc', 'text')
      .addColumn('instance_id', 'text')
      .addColumn('models', 'jsonb', (c) => c.notNull())
      .addColumn('capacity_sessions', 'integer', (c) => c.notNull())
      .addColumn('capacity_jobs', 'integer', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('last_seen_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('owner_ref', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) =>
        c.notNull().check(sql`state in ('created', 'waiting', 'active', 'closed')`),
      )
      .addColumn('close_reason', 'text')
      .addColumn('runtime_id', 'text', (c) => c.notNull())
      .addColumn('origin', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('active_at', 'timestamptz')
      .addColumn('closed_at', 'timestamptz')
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    // The open sessions are the hot set: per token (limits), per key (kill switch),
    // per runtime (placement) and by expiry (sweeper).
    await sql`create index sessions_open_token on sessions (token_id) where state <> 'closed'`.execute(
      db,
    );
    await sql`create index sessions_open_key on sessions (key_id) where state <> 'closed'`.execute(
      db,
    );
    await sql`create index sessions_open_runtime on sessions (runtime_id) where state <> 'closed'`.execute(
      db,
    );
    await sql`create index sessions_open_expiry on sessions (expires_at) where state <> 'closed'`.execute(
      db,
    );
    await db.schema
      .createIndex('sessions_org_created')
      .on('sessions')
      .columns(['org_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('session_tokens')
      .addColumn('token_id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text')
      .addColumn('owner_ref', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) =>
        c.notNull().check(sql`state in ('queued', 'running', 'succeeded', 'failed')`),
      )
      .addColumn('input', 'jsonb', (c) => c.notNull())
      .addColumn('runtime_id', 'text')
      .addColumn('result', 'bytea')
      .addColumn('result_type', 'text')
      .addColumn('result_bytes', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('started_at', 'timestamptz')
      .addColumn('finished_at', 'timestamptz')
      .addColumn('lease_until', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index jobs_unfinished on jobs (lease_until) where state in ('queued', 'running')`.execute(
      db,
    );
    await db.schema
      .createIndex('jobs_org_created')
      .on('jobs')
      .columns(['org_id', 'created_at'])
      .execute();
  },
};
