import { newId, toStorableJson, toStorableText } from '@latchkey/core';
import type { Kysely, Transaction } from 'kysely';
import { isDatabaseUnavailable } from '../db/open-database.js';
import type { Database } from '../db/schema.js';
import { toAuditEvent } from './audit-query.js';
import type { RequestContext } from './caller.js';
import type { Clock } from './clock.js';

export interface AuditEvent {
  orgId: string | null;
  action: string;
  actor: string;
  target?: string | null;
  /** `ok`, or the error code of a refusal. */
  outcome: string;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  data?: Record<string, unknown>;
}

const text = (s: string | null | undefined) => (s == null ? null : toStorableText(s));

/**
 * An audit row records what was asked, and callers put request data in it (a path,
 * a user name, a user agent): every string is made storable here, so no caller's
 * text can make a row, or the batch it is written in, fail.
 */
function toRow(e: AuditEvent, at: number) {
  return {
    id: newId('evt', at),
    org_id: e.orgId,
    at: new Date(at),
    action: toStorableText(e.action),
    actor: toStorableText(e.actor),
    target: text(e.target),
    outcome: toStorableText(e.outcome),
    ip: text(e.ip),
    user_agent: e.userAgent ? toStorableText(e.userAgent.slice(0, 512)) : null,
    request_id: text(e.requestId),
    data: JSON.stringify(toStorableJson(e.data ?? {})),
  };
}

/** The request fields an audit row records, from a request context when there is one. */
export const auditContext = (
  ctx: Pick<RequestContext, 'ip' | 'userAgent' | 'requestId'> | undefined,
) => ({
  ip: ctx?.ip ?? null,
  userAgent: ctx?.userAgent ?? null,
  requestId: ctx?.requestId ?? null,
});

/** Writes an audit row inside the caller's transaction (management changes). */
export async function auditInTransaction(
  trx: Transaction<Database>,
  clock: Clock,
  event: AuditEvent,
): Promise<void> {
  await trx.insertInto('audit_events').values(toRow(event, clock.now())).execute();
}

/**
 * Group commit: events that arrive while a batch is being written go into the
 * next batch, one multi-row INSERT each. `write` resolves once its row is durable.
 * A batch the database refuses is written again row by row, so a row that cannot
 * be written fails its own `write` only, never its neighbours'.
 */
export interface AuditWriter {
  write(event: AuditEvent): Promise<void>;
  /** Waits until everything queued so far is written. */
  flush(): Promise<void>;
}

const MAX_BATCH = 500;

export function createAuditWriter(db: Kysely<Database>, clock: Clock): AuditWriter {
  type Pending = {
    row: ReturnType<typeof toRow>;
    resolve: () => void;
    reject: (e: unknown) => void;
  };
  let queue: Pending[] = [];
  let running: Promise<void> | undefined;
  const insert = (batch: Pending[]) =>
    db
      .insertInto('audit_events')
      .values(batch.map((p) => p.row))
      .execute();

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await insert(batch);
        for (const p of batch) p.resolve();
      } catch (error) {
        // An unreachable database fails every row alike: no point in asking again.
        if (batch.length === 1 || isDatabaseUnavailable(error)) {
          for (const p of batch) p.reject(error);
        } else {
          await Promise.all(
            batch.map((p) =>
              insert([p]).then(
                () => p.resolve(),
                (e: unknown) => p.reject(e),
              ),
            ),
          );
        }
      }
    }
    running = undefined;
  };

  const kick = () => {
    if (!running) running = new Promise<void>((r) => setImmediate(r)).then(drain);
    return running;
  };

  return {
    write(event) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ row: toRow(event, clock.now()), resolve, reject });
        kick();
      });
    },
    async flush() {
      while (running || queue.length > 0) await kick();
    },
  };
}

export interface AuditQuery {
  orgId: string;
  since?: Date | undefined;
  action?: string | undefined;
  limit?: number | undefined;
}

export interface AuditRecord {
  id: string;
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

/** Newest first. */
export async function listAudit(db: Kysely<Database>, q: AuditQuery): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_events').selectAll().where('org_id', '=', q.orgId);
  if (q.since) query = query.where('at', '>=', q.since);
  if (q.action) query = query.where('action', '=', q.action);
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(Math.min(q.limit ?? 1000, 10_000))
    .execute();
  // One mapping of a row for the CLI and the management API; the CLI's records carry no seq.
  return rows.map((r) => {
    const { seq: _seq, ...record } = toAuditEvent(r);
    return record;
  });
}
