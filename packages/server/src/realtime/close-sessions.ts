import type { CloseReason, SessionInfo } from '@latchkey/core';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso, isoOrNull } from '../db/timestamps.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import type { SessionRow } from './schema.js';

export function toSessionInfo(r: SessionRow): SessionInfo {
  return {
    sessionId: r.id,
    model: r.model,
    state: r.state,
    createdAt: iso(r.created_at),
    activeAt: isoOrNull(r.active_at),
    closedAt: isoOrNull(r.closed_at),
    expiresAt: iso(r.expires_at),
    closeReason: r.close_reason,
  };
}

type Where = (
  eb: ExpressionBuilder<Database, 'sessions'>,
) => ReturnType<ExpressionBuilder<Database, 'sessions'>['and']>;

const NOTIFY_CHUNK = 100;

/**
 * Closes every open session `where` selects, in one transaction with an audit row
 * for each (`session.ended`), then tells every process (the bus), so the one that
 * can reach each session's runtime ends its media. Safe to race: a session closes
 * once, with the first reason. Returns the sessions this call closed.
 */
export async function closeSessions(
  deps: { db: Kysely<Database>; clock: Clock; bus: EventBus },
  where: Where,
  reason: CloseReason,
  actor: string,
  ctx?: RequestContext,
): Promise<SessionRow[]> {
  const now = deps.clock.now();
  const closed = await deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('sessions')
      .set({ state: 'closed', close_reason: reason, closed_at: new Date(now) })
      .where('state', '<>', 'closed')
      .where(where)
      .returningAll()
      .execute();
    for (const r of rows)
      await auditInTransaction(trx, deps.clock, {
        orgId: r.org_id,
        action: 'session.ended',
        actor,
        ...auditContext(ctx),
        target: r.id,
        outcome: 'ok',
        data: {
          reason,
          model: r.model,
          tokenId: r.token_id,
          keyId: r.key_id,
          runtimeId: r.runtime_id,
          seconds: Math.round((now - new Date(r.created_at).getTime()) / 1000),
        },
      });
    return rows;
  });
  for (let i = 0; i < closed.length; i += NOTIFY_CHUNK)
    await deps.bus.publish({
      type: 'sessions-closed',
      reason,
      sessions: closed
        .slice(i, i + NOTIFY_CHUNK)
        .map((r) => ({ id: r.id, runtimeId: r.runtime_id })),
    });
  return closed;
}
