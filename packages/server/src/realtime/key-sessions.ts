import type { SessionInfo, SessionState } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { findOrg } from '../services/orgs.js';
import { ok, type Result } from '../services/result.js';
import { closeSessions, toSessionInfo } from './close-sessions.js';
import type { SessionRow } from './schema.js';

/**
 * The kill switch for a leaked key: ends at once every open session opened with a
 * token the key minted (or with the key itself). Returns how many ended.
 */
export async function endKeySessions(
  deps: { db: Kysely<Database>; clock: Clock; bus: EventBus },
  input: { keyId: string; actor: string; ctx?: RequestContext | undefined },
): Promise<number> {
  const ended = await closeSessions(
    deps,
    (eb) => eb.and([eb('key_id', '=', input.keyId)]),
    'key_revoked',
    input.actor,
    input.ctx,
  );
  return ended.length;
}

export interface AdminSession extends SessionInfo {
  keyId: string;
  tokenId: string;
  runtimeId: string;
  origin: string | null;
}

/** An org's sessions, newest first (operators). */
export async function listSessions(
  deps: { db: Kysely<Database> },
  input: { org: string; state?: SessionState | 'open' | undefined; limit?: number | undefined },
): Promise<Result<AdminSession[]>> {
  const org = await findOrg(deps.db, input.org);
  if (!org.ok) return org;
  let q = deps.db.selectFrom('sessions').selectAll().where('org_id', '=', org.value.id);
  if (input.state === 'open') q = q.where('state', '<>', 'closed');
  else if (input.state) q = q.where('state', '=', input.state);
  const rows = await q
    .orderBy('created_at', 'desc')
    .limit(Math.min(input.limit ?? 100, 10_000))
    .execute();
  return ok(rows.map(toOrgSession));
}

/** A session as operators and the management API see it. */
export const toOrgSession = (r: SessionRow): AdminSession => ({
  ...toSessionInfo(r),
  keyId: r.key_id,
  tokenId: r.token_id,
  runtimeId: r.runtime_id,
  origin: r.origin,
});
