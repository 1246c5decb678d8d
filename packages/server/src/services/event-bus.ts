import { randomUUID } from 'node:crypto';
import type { CloseReason } from '@latchkey/core';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';

/** What one process tells the others sharing its database. */
export type BusEvent =
  | { type: 'key-changed'; keyId: string }
  | { type: 'signing-keys-changed' }
  /** Sessions the database now holds closed: whoever can reach their runtime tells it. */
  | { type: 'sessions-closed'; reason: CloseReason; sessions: { id: string; runtimeId: string }[] }
  /** A job was queued for `model`, or one finished (a job slot is free): look at the queue. */
  | { type: 'jobs-changed'; model: string; finished?: string };

/**
 * Change notifications between processes. On PGlite there is one process, so
 * delivery is in-process; on PostgreSQL it is LISTEN/NOTIFY. Either way the
 * periodic re-check in the key cache is the safety net.
 */
export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  subscribe(listener: (event: BusEvent) => void): void;
  /** Called after the bus lost events (a dropped LISTEN connection came back). */
  onResync(listener: () => void): void;
  close(): Promise<void>;
}

export function createMemoryBus(): EventBus {
  const listeners: Array<(e: BusEvent) => void> = [];
  return {
    async publish(event) {
      for (const l of listeners) l(event);
    },
    subscribe: (l) => void listeners.push(l),
    onResync: () => undefined,
    close: async () => undefined,
  };
}

const CHANNEL = 'latchkey_events';

/** LISTEN on a dedicated connection (reconnecting); NOTIFY through the pool. Resolves once listening. */
export async function createPostgresBus(url: string, db: Kysely<unknown>): Promise<EventBus> {
  const listeners: Array<(e: BusEvent) => void> = [];
  const resyncs: Array<() => void> = [];
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let lostOnce = false;
  // This process hears its own events at once (read-your-writes: a key this process
  // revoked must not mint here a moment later); its NOTIFY echo is then skipped.
  const self = randomUUID();
  const deliver = (event: BusEvent) => {
    for (const l of listeners) l(event);
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    c.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const { from, ...event } = JSON.parse(msg.payload) as BusEvent & { from?: string };
        if (from !== self) deliver(event as BusEvent);
      } catch {
        // not ours
      }
    });
    const lost = () => {
      if (client !== c) return;
      client = undefined;
      lostOnce = true;
      c.end().catch(() => undefined);
      schedule();
    };
    c.on('error', lost);
    c.on('end', lost);
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
      if (lostOnce) for (const r of resyncs) r();
    } catch {
      c.end().catch(() => undefined);
      lostOnce = true;
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, 500);
    retry.unref();
  };

  await connect();
  return {
    async publish(event) {
      deliver(event);
      await sql`select pg_notify(${CHANNEL}, ${JSON.stringify({ ...event, from: self })})`.execute(
        db,
      );
    },
    subscribe: (l) => void listeners.push(l),
    onResync: (r) => void resyncs.push(r),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
