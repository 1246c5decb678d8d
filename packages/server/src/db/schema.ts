import type { ColumnType, Generated, Selectable } from 'kysely';
import type { AccountTables } from '../accounts/schema.js';
import type { ModelTables } from '../models/schema.js';
import type { RealtimeTables } from '../realtime/schema.js';
import type { RegistryTables } from '../registry/schema.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface OrgsTable {
  id: string;
  name: string;
  slug: string;
  partner: boolean;
  created_at: Timestamp;
  /** Set when an owner deleted the org: it answers 404 and holds no members or keys. */
  deleted_at: Timestamp | null;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  kind: 'app' | 'partner';
  name: string;
  hash: string;
  display: string;
  created_at: Timestamp;
  created_by: string;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  rotated_to: string | null;
  updated_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  public_jwk: ColumnType<unknown, string, string>;
  private_enc: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
  /** When the public half may leave the JWKS: the last token it signed has expired. */
  publish_until: Timestamp | null;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  id: string;
  org_id: string | null;
  at: Timestamp;
  action: string;
  actor: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  data: ColumnType<unknown, string, string>;
}

/** Every table: the core ones here, the realtime, registry and account ones beside their code. */
export interface Database extends RealtimeTables, RegistryTables, AccountTables, ModelTables {
  orgs: OrgsTable;
  api_keys: ApiKeysTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
}

export type OrgRow = Selectable<OrgsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditRow = Selectable<AuditEventsTable>;
