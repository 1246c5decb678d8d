import { type ColumnType, type Kysely, type Migration, sql } from 'kysely';
import type { DeviceCodeTables } from './device-codes-schema.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

// The account tables belong to better-auth (accounts/auth.ts): their columns are the
// library's own camelCase names, created here so that one set of migrations serves
// PGlite and PostgreSQL. A test checks that the library finds nothing to add.

export interface AuthUsersTable {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  twoFactorEnabled: boolean | null;
  /** The operator's people: see every org, mark partners, manage users. */
  instanceAdmin: boolean;
}

export interface AuthSessionsTable {
  id: string;
  expiresAt: Timestamp;
  token: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  ipAddress: string | null;
  userAgent: string | null;
  userId: string;
}

export interface AuthAccountsTable {
  id: string;
  accountId: string;
  providerId: string;
  userId: string;
  password: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface AuthVerificationsTable {
  id: string;
  identifier: string;
  value: string;
  expiresAt: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  /** SHA-256 of the link's secret; the secret itself is shown once. */
  token_hash: string;
  email: string | null;
  role: Role;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}

export interface AccountTables extends DeviceCodeTables {
  auth_users: AuthUsersTable;
  auth_sessions: AuthSessionsTable;
  auth_accounts: AuthAccountsTable;
  auth_verifications: AuthVerificationsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
}

const now = sql`CURRENT_TIMESTAMP`;

export const accountsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('auth_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('emailVerified', 'boolean', (c) => c.notNull())
      .addColumn('image', 'text')
      .addColumn('createdAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updatedAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('twoFactorEnabled', 'boolean')
      .addColumn('instanceAdmin', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
    await db.schema
      .createTable('auth_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('expiresAt', 'timestamptz', (c) => c.notNull())
      .addColumn('token', 'text', (c) => c.notNull().unique())
      .addColumn('createdAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updatedAt', 'timestamptz', (c) => c.notNull())
      .addColumn('ipAddress', 'text')
      .addColumn('userAgent', 'text')
      .addColumn('userId', 'text', (c) =>
        c.notNull().references('auth_users.id').onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('auth_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('accountId', 'text', (c) => c.notNull())
      .addColumn('providerId', 'text', (c) => c.notNull())
      .addColumn('userId', 'text', (c) =>
        c.notNull().references('auth_users.id').onDelete('cascade'),
      )
      .addColumn('accessToken', 'text')
      .addColumn('refreshToken', 'text')
      .addColumn('idToken', 'text')
      .addColumn('accessTokenExpiresAt', 'timestamptz')
      .addColumn('refreshTokenExpiresAt', 'timestamptz')
      .addColumn('scope', 'text')
      .addColumn('password', 'text')
      .addColumn('createdAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updatedAt', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('auth_verifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('identifier', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expiresAt', 'timestamptz', (c) => c.notNull())
      .addColumn('createdAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updatedAt', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
    await db.schema
      .createTable('auth_two_factors')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('backupCodes', 'text', (c) => c.notNull())
      .addColumn('userId', 'text', (c) =>
        c.notNull().references('auth_users.id').onDelete('cascade'),
      )
      .addColumn('verified', 'boolean')
      .addColumn('failedVerificationCount', 'integer')
      .addColumn('lockedUntil', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('auth_sessions_userId_idx')
      .on('auth_sessions')
      .column('userId')
      .execute();
    await db.schema
      .createIndex('auth_accounts_userId_idx')
      .on('auth_accounts')
      .column('userId')
      .execute();
    await db.schema
      .createIndex('auth_verifications_identifier_idx')
      .on('auth_verifications')
      .column('identifier')
      .execute();
    await db.schema
      .createIndex('auth_two_factors_secret_idx')
      .on('auth_two_factors')
      .column('secret')
      .execute();
    await db.schema
      .createIndex('auth_two_factors_userId_idx')
      .on('auth_two_factors')
      .column('userId')
      .execute();

    // Deleting an org is soft: its audit trail and revoked keys stay, the org answers 404.
    await db.schema.alterTable('orgs').addColumn('deleted_at', 'timestamptz').execute();
    await db.schema
      .createTable('memberships')
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) =>
        c.notNull().references('auth_users.id').onDelete('cascade'),
      )
      .addColumn('role', 'text', (c) =>
        c.notNull().check(sql`role in ('owner', 'admin', 'developer', 'viewer')`),
      )
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('memberships_pk', ['org_id', 'user_id'])
      .execute();
    await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('email', 'text')
      .addColumn('role', 'text', (c) =>
        c.notNull().check(sql`role in ('owner', 'admin', 'developer', 'viewer')`),
      )
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('accepted_at', 'timestamptz')
      .addColumn('accepted_by', 'text')
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('invitations_org')
      .on('invitations')
      .columns(['org_id', 'created_at'])
      .execute();
    // The audit list and export page by (org, seq); usage groups by (org, day, action).
    await db.schema
      .createIndex('audit_events_org_seq')
      .on('audit_events')
      .columns(['org_id', 'seq'])
      .execute();
  },
};
