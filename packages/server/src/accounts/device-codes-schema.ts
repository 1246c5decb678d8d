import type { ColumnType, Kysely, Migration } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One device sign-in (RFC 8628's shape): the CLI holds the device code, a person the user code. */
export interface DeviceCodesTable {
  id: string;
  /** SHA-256 of the device code: the CLI's polling secret, never stored itself. */
  device_code_hash: string;
  /** 8 characters of the unambiguous alphabet, without the dash. */
  user_code: string;
  /** The host name the CLI runs on, as it said (shown to the person approving). */
  client_name: string | null;
  client_ip: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Seconds the CLI must wait between polls; grows by 5 with each slow_down. */
  interval_seconds: number;
  last_polled_at: Timestamp | null;
  approved_at: Timestamp | null;
  denied_at: Timestamp | null;
  /** `user:<id>` of whoever approved or denied. */
  decided_by: string | null;
  org_id: string | null;
  key_id: string | null;
  /** The new key's secret, sealed (LATCHKEY_SECRET) until the one poll that takes it. */
  key_secret_sealed: string | null;
  /** When the CLI picked the key up: from then on the code is spent. */
  consumed_at: Timestamp | null;
}

export interface DeviceCodeTables {
  device_codes: DeviceCodesTable;
}

export const deviceCodesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('device_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_code', 'text', (c) => c.notNull().unique())
      .addColumn('client_name', 'text')
      .addColumn('client_ip', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('interval_seconds', 'integer', (c) => c.notNull())
      .addColumn('last_polled_at', 'timestamptz')
      .addColumn('approved_at', 'timestamptz')
      .addColumn('denied_at', 'timestamptz')
      .addColumn('decided_by', 'text')
      .addColumn('org_id', 'text', (c) => c.references('orgs.id').onDelete('cascade'))
      .addColumn('key_id', 'text')
      .addColumn('key_secret_sealed', 'text')
      .addColumn('consumed_at', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('device_codes_expires')
      .on('device_codes')
      .column('expires_at')
      .execute();
  },
};
