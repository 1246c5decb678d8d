import { randomBytes } from 'node:crypto';
import { newId } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type ApiKey, getApiKey, keyState, revokeApiKey } from '../services/api-keys.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { RequestContext as CallerContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { fail, ok, type Result } from '../services/result.js';

/** A registry credential lives 12 h; the CLI refreshes it with the partner key. */
export const CREDENTIAL_SECONDS = 12 * 3600;
const PREFIX = 'rc_';
const SHAPE = /^rc_[A-Za-z0-9_-]{43}$/;
const LOGIN_FIX = 'run `latchkey auth docker-login` for a new one';

export interface IssuedCredential {
  id: string;
  /** The org slug: what `docker login` shows as the user. */
  username: string;
  /** The secret, shown once. */
  password: string;
  expiresAt: string;
}

/** Who a presented registry credential speaks for. */
export interface CredentialHolder {
  credentialId: string;
  orgId: string;
  orgSlug: string;
  apiKeyId: string;
  expiresAt: number;
}

export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

const display = (secret: string) => `${PREFIX}…${secret.slice(-4)}`;

/**
 * Issues a credential for a partner key. The key is re-read under a share lock in
 * the same transaction as the insert, so a concurrent revoke either comes first
 * (and this is refused) or waits, and then sees this credential when it cascades.
 */
export async function issueRegistryCredential(
  deps: { db: Kysely<Database>; clock: Clock },
  input: { apiKeyId: string; context?: RequestContext },
): Promise<Result<IssuedCredential>> {
  const db = deps.db;
  const now = deps.clock.now();
  return db.transaction().execute(async (trx) => {
    const key = await trx
      .selectFrom('api_keys')
      .innerJoin('orgs', 'orgs.id', 'api_keys.org_id')
      .select([
        'api_keys.id',
        'api_keys.kind',
        'api_keys.display',
        'api_keys.revoked_at',
        'api_keys.expires_at',
        'orgs.id as org_id',
        'orgs.slug',
      ])
      .where('api_keys.id', '=', input.apiKeyId)
      .forShare('api_keys')
      .executeTakeFirst();
    if (!key) return fail('INVALID_API_KEY', 'the API key is not known');
    const state = keyState(key, now);
    if (state === 'revoked')
      return fail('API_KEY_REVOKED', `the API key ${key.display} was revoked`);
    if (state === 'expired')
      return fail('API_KEY_EXPIRED', `the API key ${key.display} has expired`);
    if (key.kind !== 'partner')
      return fail(
        'WRONG_KEY_KIND',
        'only partner keys (rp_) get registry credentials; this is an app key (rk_)',
      );
    const password = PREFIX + randomBytes(32).toString('base64url');
    const row = {
      id: newId('tok', now),
      org_id: key.org_id,
      api_key_id: key.id,
      hash: hashKey(password),
      display: display(password),
      created_at: new Date(now),
      expires_at: new Date(now + CREDENTIAL_SECONDS * 1000),
      revoked_at: null,
      revoked_reason: null,
    };
    await trx.insertInto('registry_credentials').values(row).execute();
    await auditInTransaction(trx, deps.clock, {
      orgId: key.org_id,
      action: 'registry.credentials_issued',
      actor: key.id,
      target: row.id,
      outcome: 'ok',
      ip: input.context?.ip ?? null,
      userAgent: input.context?.userAgent ?? null,
      requestId: input.context?.requestId ?? null,
      data: { display: row.display, expiresAt: row.expires_at.toISOString() },
    });
    return ok({
      id: row.id,
      username: key.slug,
      password,
      expiresAt: row.expires_at.toISOString(),
    });
  });
}

/** Checks a presented credential: shape offline, then the database (so a revoke is immediate). */
export async function verifyRegistryCredential(
  deps: { db: Kysely<Database>; clock: Clock },
  secret: string,
): Promise<Result<CredentialHolder>> {
  if (!SHAPE.test(secret))
    return fail('INVALID_TOKEN', `the registry credential is malformed; ${LOGIN_FIX}`);
  const row = await deps.db
    .selectFrom('registry_credentials')
    .innerJoin('orgs', 'orgs.id', 'registry_credentials.org_id')
    .select([
      'registry_credentials.id',
      'registry_credentials.org_id',
      'registry_credentials.api_key_id',
      'registry_credentials.display',
      'registry_credentials.expires_at',
      'registry_credentials.revoked_at',
      'orgs.slug',
    ])
    .where('registry_credentials.hash', '=', hashKey(secret))
    .executeTakeFirst();
  if (!row)
    return fail(
      'INVALID_TOKEN',
      `the registry credential ${display(secret)} is not known; ${LOGIN_FIX}`,
    );
  const subject = { orgId: row.org_id, keyId: row.api_key_id };
  if (row.revoked_at !== null)
    return {
      ...fail('INVALID_TOKEN', `the registry credential ${row.display} was revoked; ${LOGIN_FIX}`),
      subject,
    };
  const expiresAt = new Date(row.expires_at).getTime();
  if (expiresAt <= deps.clock.now())
    return {
      ...fail(
        'TOKEN_EXPIRED',
        `the registry credential ${row.display} expired at ${new Date(expiresAt).toISOString()}; ${LOGIN_FIX}, or use the credential helper (latchkey auth docker-login --helper), which refreshes it`,
      ),
      subject,
    };
  return ok({
    credentialId: row.id,
    orgId: row.org_id,
    orgSlug: row.slug,
    apiKeyId: row.api_key_id,
    expiresAt,
  });
}

/**
 * Revokes a key and ends the registry credentials it issued (`--cascade`). On a
 * key that is already revoked it still ends them, so an operator who forgot the
 * flag can cascade afterwards.
 */
export async function revokeKeyAndCredentials(
  deps: { db: Kysely<Database>; clock: Clock; bus: EventBus },
  input: {
    id: string;
    reason?: string | undefined;
    actor: string;
    ctx?: CallerContext | undefined;
  },
): Promise<Result<ApiKey & { credentialsEnded: number }>> {
  const revoked = await revokeApiKey(deps, input);
  if (!revoked.ok && revoked.code !== 'CONFLICT') return revoked;
  const key = revoked.ok ? revoked : await getApiKey(deps, input.id);
  if (!key.ok) return key;
  const now = deps.clock.now();
  const reason =
    `key ${input.id} revoked with --cascade${input.reason ? `: ${input.reason}` : ''}`.slice(
      0,
      500,
    );
  const ended = await deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('registry_credentials')
      .set({ revoked_at: new Date(now), revoked_reason: reason })
      .where('api_key_id', '=', input.id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date(now))
      .returning('id')
      .execute();
    await auditInTransaction(trx, deps.clock, {
      orgId: key.value.orgId,
      action: 'registry.credentials_revoked',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: input.id,
      outcome: 'ok',
      data: { count: rows.length, credentialIds: rows.slice(0, 100).map((r) => r.id) },
    });
    return rows.length;
  });
  return ok({ ...key.value, credentialsEnded: ended });
}

/** An issued registry credential as the management API shows it (never the secret or its hash). */
export interface RegistryCredential {
  id: string;
  orgId: string;
  keyId: string;
  /** The partner key that asked for it, `rp_…abcd`. */
  keyDisplay: string;
  display: string;
  state: 'active' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

const credentialColumns = [
  'registry_credentials.id',
  'registry_credentials.org_id',
  'registry_credentials.api_key_id',
  'registry_credentials.display',
  'registry_credentials.created_at',
  'registry_credentials.expires_at',
  'registry_credentials.revoked_at',
  'registry_credentials.revoked_reason',
  'api_keys.display as key_display',
] as const;

type CredentialListRow = {
  id: string;
  org_id: string;
  api_key_id: string;
  display: string;
  created_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  revoked_reason: string | null;
  key_display: string;
};

function toCredential(r: CredentialListRow, now: number): RegistryCredential {
  const expiresAt = new Date(r.expires_at);
  return {
    id: r.id,
    orgId: r.org_id,
    keyId: r.api_key_id,
    keyDisplay: r.key_display,
    display: r.display,
    state: r.revoked_at !== null ? 'revoked' : expiresAt.getTime() <= now ? 'expired' : 'active',
    createdAt: new Date(r.created_at).toISOString(),
    expiresAt: expiresAt.toISOString(),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
    revokedReason: r.revoked_reason,
  };
}

/** An org's registry credentials, newest first. */
export async function listRegistryCredentials(
  deps: { db: Kysely<Database>; clock: Clock },
  input: { orgId: string; limit?: number | undefined },
): Promise<RegistryCredential[]> {
  const rows = await deps.db
    .selectFrom('registry_credentials')
    .innerJoin('api_keys', 'api_keys.id', 'registry_credentials.api_key_id')
    .select(credentialColumns)
    .where('registry_credentials.org_id', '=', input.orgId)
    .orderBy('registry_credentials.created_at', 'desc')
    .orderBy('registry_credentials.id', 'desc')
    .limit(Math.min(input.limit ?? 500, 10_000))
    .execute();
  const now = deps.clock.now();
  return rows.map((r) => toCredential(r, now));
}

/**
 * Revokes one registry credential of an org (`registry.credential_revoked`). One of
 * another org is not found; one already revoked is a CONFLICT.
 */
export async function revokeRegistryCredential(
  deps: { db: Kysely<Database>; clock: Clock },
  input: {
    id: string;
    orgId: string;
    reason?: string | undefined;
    actor: string;
    ctx?: CallerContext | undefined;
  },
): Promise<Result<RegistryCredential>> {
  const now = deps.clock.now();
  const reason = (input.reason ?? 'revoked').slice(0, 500);
  const revoked = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('registry_credentials')
      .set({ revoked_at: new Date(now), revoked_reason: reason })
      .where('id', '=', input.id)
      .where('org_id', '=', input.orgId)
      .where('revoked_at', 'is', null)
      .returning(['id', 'display', 'api_key_id'])
      .executeTakeFirst();
    if (!updated) return false;
    await auditInTransaction(trx, deps.clock, {
      orgId: input.orgId,
      action: 'registry.credential_revoked',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: updated.id,
      outcome: 'ok',
      data: { display: updated.display, keyId: updated.api_key_id, reason },
    });
    return true;
  });
  const row = await deps.db
    .selectFrom('registry_credentials')
    .innerJoin('api_keys', 'api_keys.id', 'registry_credentials.api_key_id')
    .select(credentialColumns)
    .where('registry_credentials.id', '=', input.id)
    .where('registry_credentials.org_id', '=', input.orgId)
    .executeTakeFirst();
  if (!row) return fail('NOT_FOUND', `registry credential "${input.id.slice(0, 64)}" not found`);
  if (!revoked) return fail('CONFLICT', `registry credential ${row.id} is already revoked`);
  return ok(toCredential(row, now));
}
