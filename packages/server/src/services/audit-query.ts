import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { AuditRow, Database } from '../db/schema.js';

/** What the management API filters an org's audit by. */
export interface AuditFilter {
  orgId: string;
  since?: Date | undefined;
  until?: Date | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  /** A key id: the row's target, its actor, or `data.keyId`. */
  key?: string | undefined;
}

/** An audit row as the management API shows it: every column, `data` parsed. */
export interface AuditEventOut {
  id: string;
  seq: number;
  at: string;
  orgId: string | null;
  action: string;
  actor: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}

export const toAuditEvent = (r: AuditRow): AuditEventOut => ({
  id: r.id,
  seq: Number(r.seq),
  at: new Date(r.at).toISOString(),
  orgId: r.org_id,
  action: r.action,
  actor: r.actor,
  target: r.target,
  outcome: r.outcome,
  ip: r.ip,
  userAgent: r.user_agent,
  requestId: r.request_id,
  data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
});

type AuditSelect = SelectQueryBuilder<Database, 'audit_events', AuditRow>;

function filtered(db: Kysely<Database>, f: AuditFilter): AuditSelect {
  let q = db.selectFrom('audit_events').selectAll().where('org_id', '=', f.orgId);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.until) q = q.where('at', '<', f.until);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.actor) q = q.where('actor', '=', f.actor);
  const key = f.key;
  if (key)
    q = q.where((eb) =>
      eb.or([
        eb('target', '=', key),
        eb('actor', '=', key),
        eb(sql<string>`data->>'keyId'`, '=', key),
      ]),
    );
  return q;
}

/**
 * One keyset page of an org's audit by `seq`: newest first below `beforeSeq`, or
 * (`ascending`) oldest first above `afterSeq`. Pages never skip or repeat a row,
 * however many are written meanwhile.
 */
export async function auditPage(
  db: Kysely<Database>,
  f: AuditFilter,
  page: { limit: number; beforeSeq?: number; afterSeq?: number; ascending?: boolean },
): Promise<AuditRow[]> {
  let q = filtered(db, f);
  if (page.beforeSeq !== undefined) q = q.where('seq', '<', page.beforeSeq);
  if (page.afterSeq !== undefined) q = q.where('seq', '>', page.afterSeq);
  return q
    .orderBy('seq', page.ascending ? 'asc' : 'desc')
    .limit(page.limit)
    .execute();
}

/** The opaque cursor of the page after the row with `seq`. */
export const encodeAuditCursor = (seq: number): string =>
  Buffer.from(`a1:${seq}`).toString('base64url');

/** The `seq` a cursor names, or undefined when it is not one of ours. */
export function decodeAuditCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^a1:(\d{1,18})$/.exec(text);
  return m ? Number(m[1]) : undefined;
}
