import { newId } from '@latchkey/core';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
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

function toRow(e: AuditEvent, at: number) {
  return {
    id: newId('evt', at),
    org_id: e.orgId,
    at: new Date(at),
    action: e.action,
    actor: e.actor,
    target: e.target ?? null,
    outcome: e.outcome,
    ip: e.ip ?? null,
    user_agent: e.userAgent ? e.userAgent.slice(0, 512) : null,
    request_id: e.requestId ?? null,
    data: JSON.stringify(e.data ?? {}),
  };
}

/**
 * Writes an audit row inside the caller's transaction (management changes). Takes a
 * transaction typed with more tables too (the registry's, the realtime ones).
 */
export async function auditInTransaction<D extends Database>(
  trx: Transaction<D>,
  clock: Clock,
  event: AuditEvent,
): Promise<void> {
  await (trx as unknown as Transaction<Database>)
    .insertInto('audit_events')
    .values(toRow(event, clock.now()))
    .execute();
}

/**
 * Group commit: events that arrive while a batch is being written go into the
 * next batch, one multi-row INSERT each. `write` resolves once its row is durable.
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

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await db
          .insertInto('audit_events')
          .values(batch.map((p) => p.row))
          .execute();
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
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
  return rows.map((r) => ({
    id: r.id,
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
  }));
}
