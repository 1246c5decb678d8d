import { randomBytes } from 'node:crypto';
import type { ModelInfo } from '@latchkey/core';
import { newId } from '@latchkey/core';
import { hashKey, ModelInfoSchema } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { fail, ok, type Result } from '../services/result.js';
import { closeSessions } from './close-sessions.js';
import type { RuntimeRow } from './schema.js';

const PREFIX = 'rt_';
const SHAPE = /^rt_[A-Za-z0-9_-]{43}$/;
/** A runtime not heard from for this long is not given sessions, and its sessions end. */
export const LIVE_MS = 10_000;

export interface RuntimeSummary {
  id: string;
  name: string;
  /** The partner org whose models it serves; null for the operator's runtimes. */
  orgId: string | null;
  kind: 'embedded' | 'remote';
  /** `rt_…abcd` for a remote runtime's credential. */
  display: string | null;
  state: 'online' | 'offline' | 'revoked';
  url: string | null;
  models: string[];
  capacity: { sessions: number; jobs: number };
  openSessions: number;
  lastSeenAt: string | null;
  createdAt: string;
}

type AuditContext = Pick<RequestContext, 'ip' | 'userAgent' | 'requestId'>;

export const displayRuntimeSecret = (secret: string) => `${PREFIX}…${secret.slice(-4)}`;

export function runtimeState(r: RuntimeRow, now: number): RuntimeSummary['state'] {
  if (r.revoked_at !== null) return 'revoked';
  const seen = r.last_seen_at === null ? 0 : new Date(r.last_seen_at).getTime();
  return r.url !== null && seen > now - LIVE_MS ? 'online' : 'offline';
}

/**
 * Creates the credential a `latchkey runtime` process registers with. Shown once.
 * With `orgId` it is a partner org's: it serves only that org's models.
 */
export async function createRuntimeCredential(
  deps: { db: Kysely<Database>; clock: Clock },
  input: { name: string; actor: string; orgId?: string | null; ctx?: AuditContext },
): Promise<Result<{ id: string; name: string; secret: string }>> {
  const name = input.name.trim();
  if (!name || name.length > 100)
    return fail('INVALID_REQUEST', 'name: must be 1 to 100 characters');
  const now = deps.clock.now();
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const id = newId('rtm', now);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('runtimes')
      .values({
        id,
        name,
        kind: 'remote',
        hash: hashKey(secret),
        display: displayRuntimeSecret(secret),
        url: null,
        secret_enc: null,
        instance_id: null,
        models: '[]',
        capacity_sessions: 0,
        capacity_jobs: 0,
        version: null,
        last_seen_at: null,
        created_at: new Date(now),
        created_by: input.actor,
        revoked_at: null,
        org_id: input.orgId ?? null,
      })
      .execute();
    await auditInTransaction(trx, deps.clock, {
      orgId: input.orgId ?? null,
      action: 'runtime.created',
      actor: input.actor,
      target: id,
      outcome: 'ok',
      ...auditContext(input.ctx),
      data: { name, display: displayRuntimeSecret(secret) },
    });
  });
  return ok({ id, name, secret });
}

/** Finds the runtime a presented `rt_…` credential belongs to. */
export async function verifyRuntimeCredential(
  db: Kysely<Database>,
  secret: string,
): Promise<Result<RuntimeRow>> {
  if (!SHAPE.test(secret))
    return fail(
      'RUNTIME_CREDENTIAL_INVALID',
      'the runtime credential is malformed (rt_ and 43 characters)',
    );
  const row = await db
    .selectFrom('runtimes')
    .selectAll()
    .where('hash', '=', hashKey(secret))
    .executeTakeFirst();
  if (!row)
    return fail(
      'RUNTIME_CREDENTIAL_INVALID',
      `the runtime credential ${displayRuntimeSecret(secret)} is not known`,
    );
  if (row.revoked_at !== null)
    return fail('RUNTIME_CREDENTIAL_REVOKED', `the runtime credential ${row.display} was revoked`);
  return ok(row);
}

/** Every runtime (the operator's view), or with `orgId` only that partner org's credentials. */
export async function listRuntimes(
  deps: { db: Kysely<Database>; clock: Clock },
  filter: { orgId?: string } = {},
): Promise<RuntimeSummary[]> {
  const now = deps.clock.now();
  let query = deps.db.selectFrom('runtimes').selectAll().orderBy('created_at', 'asc');
  if (filter.orgId !== undefined) query = query.where('org_id', '=', filter.orgId);
  const rows = await query.execute();
  const counts = await deps.db
    .selectFrom('sessions')
    .select(['runtime_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('state', '<>', 'closed')
    .groupBy('runtime_id')
    .execute();
  const open = new Map(counts.map((c) => [c.runtime_id, Number(c.n)]));
  return rows
    .filter((r) => r.kind === 'remote' || runtimeState(r, now) === 'online')
    .map((r) => ({
      id: r.id,
      name: r.name,
      orgId: r.org_id ?? null,
      kind: r.kind,
      display: r.display,
      state: runtimeState(r, now),
      url: r.url,
      models: parseModels(r.models).map((m) => m.name),
      capacity: { sessions: r.capacity_sessions, jobs: r.capacity_jobs },
      openSessions: open.get(r.id) ?? 0,
      lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at).toISOString(),
      createdAt: new Date(r.created_at).toISOString(),
    }));
}

/**
 * Revokes a runtime's credential and ends its sessions (`runtime_lost`). With `orgId`
 * only that partner org's credential is found (another org's is NOT_FOUND).
 */
export async function revokeRuntime(
  deps: { db: Kysely<Database>; clock: Clock; bus: EventBus },
  input: { id: string; actor: string; orgId?: string; ctx?: AuditContext },
): Promise<Result<{ id: string; sessionsEnded: number }>> {
  const now = deps.clock.now();
  const row = await deps.db.transaction().execute(async (trx) => {
    let update = trx
      .updateTable('runtimes')
      .set({ revoked_at: new Date(now) })
      .where('id', '=', input.id)
      .where('kind', '=', 'remote')
      .where('revoked_at', 'is', null);
    if (input.orgId !== undefined) update = update.where('org_id', '=', input.orgId);
    const r = await update.returningAll().executeTakeFirst();
    if (r)
      await auditInTransaction(trx, deps.clock, {
        orgId: r.org_id ?? null,
        action: 'runtime.revoked',
        actor: input.actor,
        target: r.id,
        outcome: 'ok',
        ...auditContext(input.ctx),
        data: {
          name: r.name,
          display: r.display,
          models: parseModels(r.models).map((m) => m.name),
        },
      });
    return r;
  });
  if (!row) return fail('NOT_FOUND', `no active remote runtime "${input.id.slice(0, 64)}"`);
  const ended = await closeSessions(
    deps,
    (eb) => eb.and([eb('runtime_id', '=', row.id)]),
    'runtime_lost',
    input.actor,
  );
  return ok({ id: row.id, sessionsEnded: ended.length });
}

const StoredModels = z.array(ModelInfoSchema);

/**
 * The models column, checked with the protocol's schema (it is JSON text on some
 * drivers, parsed on others). A column that is not a list of models reads as none.
 */
export function parseModels(value: unknown): ModelInfo[] {
  let v = value;
  if (typeof value === 'string') {
    try {
      v = JSON.parse(value);
    } catch {
      return [];
    }
  }
  const parsed = StoredModels.safeParse(v);
  return parsed.success ? parsed.data : [];
}

/** The models as audit rows keep them: `name`, with `version` and `state` when given. */
export const announcedModels = (models: ModelInfo[]) =>
  models.map((m) => ({
    name: m.name,
    ...(m.version !== undefined ? { version: m.version } : {}),
    ...(m.state !== undefined ? { state: m.state } : {}),
  }));
