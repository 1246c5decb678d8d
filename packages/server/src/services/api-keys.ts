import { displayKey, generateKey, type KeyKind, newId } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import type { Kysely, Transaction } from 'kysely';
import type { ApiKeyRow, Database } from '../db/schema.js';
import { iso, isoOrNull } from '../db/timestamps.js';
import { auditContext, auditInTransaction } from './audit.js';
import type { RequestContext } from './caller.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';
import { findOrg } from './orgs.js';
import { fail, ok, type Result } from './result.js';

export type KeyState = 'active' | 'expired' | 'revoked';

export interface ApiKey {
  id: string;
  orgId: string;
  kind: KeyKind;
  name: string;
  display: string;
  state: KeyState;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  rotatedTo: string | null;
}

export function keyState(row: Pick<ApiKeyRow, 'revoked_at' | 'expires_at'>, now: number): KeyState {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now) return 'expired';
  return 'active';
}

export function toApiKey(r: ApiKeyRow, now: number): ApiKey {
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind,
    name: r.name,
    display: r.display,
    state: keyState(r, now),
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
    lastUsedAt: isoOrNull(r.last_used_at),
    expiresAt: isoOrNull(r.expires_at),
    revokedAt: isoOrNull(r.revoked_at),
    revokedReason: r.revoked_reason,
    rotatedTo: r.rotated_to,
  };
}

export interface KeyDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
}

export const MAX_GRACE_SECONDS = 24 * 3600;

export interface CreateKeyInput {
  org: string;
  kind?: KeyKind | undefined;
  name?: string | undefined;
  expiresInSeconds?: number | undefined;
  actor: string;
  /** The request that asked (management API): recorded on the audit row. */
  ctx?: RequestContext | undefined;
}

/**
 * Creates a key. The secret is in the result once and never again. With `trx` the key
 * and its `key.created` row commit with the caller's own change (a device approval).
 */
export async function createApiKey(
  deps: KeyDeps,
  input: CreateKeyInput,
  trx?: Transaction<Database>,
): Promise<Result<{ key: ApiKey; secret: string }>> {
  const { clock } = deps;
  const db = trx ?? deps.db;
  const org = await findOrg(db, input.org);
  if (!org.ok) return org;
  const kind = input.kind ?? 'app';
  if (kind === 'partner' && !org.value.partner) {
    return fail(
      'WRONG_KEY_KIND',
      `org "${org.value.slug}" is not a partner org; partner keys (rp_) are for partner orgs only`,
    );
  }
  const name = (input.name ?? 'default').trim();
  if (!name || name.length > 200)
    return fail('INVALID_REQUEST', 'name: must be 1 to 200 characters');
  if (
    input.expiresInSeconds !== undefined &&
    (!Number.isFinite(input.expiresInSeconds) || input.expiresInSeconds <= 0)
  ) {
    return fail('INVALID_REQUEST', 'expiresIn: must be a positive duration');
  }
  const now = clock.now();
  const secret = generateKey(kind);
  const row: ApiKeyRow = {
    id: newId('key', now),
    org_id: org.value.id,
    kind,
    name,
    hash: hashKey(secret),
    display: displayKey(secret),
    created_at: new Date(now),
    created_by: input.actor,
    last_used_at: null,
    expires_at: input.expiresInSeconds ? new Date(now + input.expiresInSeconds * 1000) : null,
    revoked_at: null,
    revoked_reason: null,
    rotated_to: null,
    updated_at: new Date(now),
  };
  const insert = async (t: Transaction<Database>) => {
    await t.insertInto('api_keys').values(row).execute();
    await auditInTransaction(t, clock, {
      orgId: row.org_id,
      action: 'key.created',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: row.id,
      outcome: 'ok',
      data: { kind, name, display: row.display, expiresAt: isoOrNull(row.expires_at) },
    });
  };
  if (trx) await insert(trx);
  else await deps.db.transaction().execute(insert);
  return ok({ key: toApiKey(row, now), secret });
}

export async function listApiKeys(deps: KeyDeps, orgRef: string): Promise<Result<ApiKey[]>> {
  const org = await findOrg(deps.db, orgRef);
  if (!org.ok) return org;
  const rows = await deps.db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', org.value.id)
    .orderBy('created_at', 'asc')
    .execute();
  const now = deps.clock.now();
  return ok(rows.map((r) => toApiKey(r, now)));
}

export async function getApiKey(deps: KeyDeps, id: string): Promise<Result<ApiKey>> {
  const row = await deps.db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row
    ? ok(toApiKey(row, deps.clock.now()))
    : fail('NOT_FOUND', `key "${id.slice(0, 64)}" not found`);
}

export async function revokeApiKey(
  deps: KeyDeps,
  input: {
    id: string;
    reason?: string | undefined;
    actor: string;
    ctx?: RequestContext | undefined;
  },
): Promise<Result<ApiKey>> {
  const { db, clock } = deps;
  const reason = (input.reason ?? 'revoked').slice(0, 500);
  const now = clock.now();
  const row = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date(now), revoked_reason: reason, updated_at: new Date(now) })
      .where('id', '=', input.id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) return undefined;
    await auditInTransaction(trx, clock, {
      orgId: updated.org_id,
      action: 'key.revoked',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: updated.id,
      outcome: 'ok',
      data: { reason, display: updated.display },
    });
    return updated;
  });
  if (!row) {
    const existing = await getApiKey(deps, input.id);
    if (!existing.ok) return existing;
    return fail('CONFLICT', `key ${input.id} is already revoked`);
  }
  await deps.bus.publish({ type: 'key-changed', keyId: row.id });
  return ok(toApiKey(row, now));
}

/**
 * Rotates a key in one transaction: a new key with the same org, kind, name and
 * lifetime; the old key stays valid for `graceSeconds` (0: ends now).
 */
export async function rotateApiKey(
  deps: KeyDeps,
  input: {
    id: string;
    graceSeconds?: number | undefined;
    actor: string;
    ctx?: RequestContext | undefined;
  },
): Promise<Result<{ key: ApiKey; secret: string; old: ApiKey }>> {
  const { db, clock } = deps;
  const grace = input.graceSeconds ?? 0;
  if (!Number.isFinite(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
    return fail('INVALID_REQUEST', 'grace: must be between 0 and 24h');
  }
  const now = clock.now();
  const result = await db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', input.id)
      .forUpdate()
      .executeTakeFirst();
    if (!old) return fail('NOT_FOUND', `key "${input.id.slice(0, 64)}" not found`);
    const state = keyState(old, now);
    if (state !== 'active')
      return fail(
        state === 'revoked' ? 'API_KEY_REVOKED' : 'API_KEY_EXPIRED',
        `key ${old.id} is ${state} and cannot be rotated`,
      );
    const secret = generateKey(old.kind);
    const lifetime = old.expires_at
      ? new Date(old.expires_at).getTime() - new Date(old.created_at).getTime()
      : null;
    const fresh: ApiKeyRow = {
      ...old,
      id: newId('key', now),
      hash: hashKey(secret),
      display: displayKey(secret),
      created_at: new Date(now),
      created_by: input.actor,
      last_used_at: null,
      expires_at: lifetime ? new Date(now + lifetime) : null,
      revoked_at: null,
      revoked_reason: null,
      rotated_to: null,
      updated_at: new Date(now),
    };
    await trx.insertInto('api_keys').values(fresh).execute();
    const graceEnd = new Date(now + grace * 1000);
    const oldExpiry =
      old.expires_at && new Date(old.expires_at) < graceEnd ? old.expires_at : graceEnd;
    const updated = await trx
      .updateTable('api_keys')
      .set(
        grace === 0
          ? {
              revoked_at: new Date(now),
              revoked_reason: `rotated to ${fresh.id}`,
              rotated_to: fresh.id,
              updated_at: new Date(now),
            }
          : { expires_at: oldExpiry, rotated_to: fresh.id, updated_at: new Date(now) },
      )
      .where('id', '=', old.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditInTransaction(trx, clock, {
      orgId: old.org_id,
      action: 'key.rotated',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: old.id,
      outcome: 'ok',
      data: { newKeyId: fresh.id, graceSeconds: grace, display: fresh.display },
    });
    return ok({ key: toApiKey(fresh, now), secret, old: toApiKey(updated, now) });
  });
  if (result.ok) await deps.bus.publish({ type: 'key-changed', keyId: input.id });
  return result;
}

/** Renames a key (`key.renamed`, with the old and new names). */
export async function renameApiKey(
  deps: KeyDeps,
  input: { id: string; name: string; actor: string; ctx?: RequestContext | undefined },
): Promise<Result<ApiKey>> {
  const name = input.name.trim();
  if (!name || name.length > 200)
    return fail('INVALID_REQUEST', 'name: must be 1 to 200 characters');
  const now = deps.clock.now();
  const row = await deps.db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('api_keys')
      .select(['id', 'name'])
      .where('id', '=', input.id)
      .forUpdate()
      .executeTakeFirst();
    if (!old) return undefined;
    const updated = await trx
      .updateTable('api_keys')
      .set({ name, updated_at: new Date(now) })
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditInTransaction(trx, deps.clock, {
      orgId: updated.org_id,
      action: 'key.renamed',
      actor: input.actor,
      ...auditContext(input.ctx),
      target: updated.id,
      outcome: 'ok',
      data: { from: old.name, to: name, display: updated.display },
    });
    return updated;
  });
  return row
    ? ok(toApiKey(row, now))
    : fail('NOT_FOUND', `key "${input.id.slice(0, 64)}" not found`);
}
