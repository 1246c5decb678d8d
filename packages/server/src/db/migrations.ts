import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { deviceCodesMigration } from '../accounts/device-codes-schema.js';
import { accountsMigration } from '../accounts/schema.js';
import { modelsMigration } from '../models/schema.js';
import { realtimeMigration } from '../realtime/schema.js';
import { registryMigration } from '../registry/schema.js';

const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('orgs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('partner', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('app', 'partner')`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('display', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'timestamptz')
        .addColumn('expires_at', 'timestamptz')
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revoked_reason', 'text')
        .addColumn('rotated_to', 'text')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('api_keys_org')
        .on('api_keys')
        .columns(['org_id', 'created_at'])
        .execute();
      await db.schema.createIndex('api_keys_updated').on('api_keys').column('updated_at').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
        .addColumn('private_enc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('retired_at', 'timestamptz')
        .addColumn('publish_until', 'timestamptz')
        .execute();
      // At most one active signing key, even when two processes start at once.
      await sql`create unique index signing_keys_one_active on signing_keys ((true)) where retired_at is null`.execute(
        db,
      );
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'bigserial', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('org_id', 'text')
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text')
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('audit_events_org_at')
        .on('audit_events')
        .columns(['org_id', 'at'])
        .execute();
    },
  },
  '0002_registry': registryMigration,
  '0003_realtime': realtimeMigration,
  '0004_accounts': accountsMigration,
  '0005_device_codes': deviceCodesMigration,
  '0006_partner_models': modelsMigration,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Runs every pending migration; the same set serves PGlite and PostgreSQL. */
export async function migrate(db: Kysely<unknown>): Promise<void> {
  // Serialise concurrent starts of several processes on one PostgreSQL.
  const migrator = new Migrator({ db, provider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
