import { type ColumnType, type Kysely, type Migration, type Selectable, sql } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** Registry credentials: only the SHA-256 of the secret is kept, so they can be revoked. */
export interface RegistryCredentialsTable {
  id: string;
  org_id: string;
  api_key_id: string;
  hash: string;
  display: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

/**
 * Certificate authorities whose certificates the registry trusts (`rootcertbundle`).
 * `next` is in the bundle but does not sign yet; `active` signs; `retired` stays in
 * the bundle until `publish_until`, when the last token under it has expired.
 */
export interface RegistryCasTable {
  id: string;
  state: 'next' | 'active' | 'retired';
  cert_pem: string;
  private_enc: string;
  created_at: Timestamp;
  not_after: Timestamp;
  activated_at: Timestamp | null;
  retired_at: Timestamp | null;
  publish_until: Timestamp | null;
}

/** The registry's tables, part of the one `Database` type (db/schema.ts). */
export interface RegistryTables {
  registry_credentials: RegistryCredentialsTable;
  registry_cas: RegistryCasTable;
}

export type RegistryCredentialRow = Selectable<RegistryCredentialsTable>;
export type RegistryCaRow = Selectable<RegistryCasTable>;

export const registryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('registry_credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('api_key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('display', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('revoked_reason', 'text')
      .execute();
    await db.schema
      .createIndex('registry_credentials_key')
      .on('registry_credentials')
      .columns(['api_key_id', 'expires_at'])
      .execute();
    await db.schema
      .createTable('registry_cas')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) =>
        c.notNull().check(sql`state in ('next', 'active', 'retired')`),
      )
      .addColumn('cert_pem', 'text', (c) => c.notNull())
      .addColumn('private_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('not_after', 'timestamptz', (c) => c.notNull())
      .addColumn('activated_at', 'timestamptz')
      .addColumn('retired_at', 'timestamptz')
      .addColumn('publish_until', 'timestamptz')
      .execute();
    // One active and at most one staged CA, even when two processes start at once.
    await sql`create unique index registry_cas_one_active on registry_cas (state) where state in ('active', 'next')`.execute(
      db,
    );
  },
};
