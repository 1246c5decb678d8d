import type { Logger } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { closeSessions } from './close-sessions.js';
import { sweepLostRuntimes } from './lost-runtimes.js';
import type { RuntimeDirectory } from './runtime-directory.js';

/** A session created but never offered is closed after this long. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** Young sessions are left alone by the liveness checks: their runtime may not have reported them yet. */
export const SETTLE_MS = 5_000;
export const SWEEP_MS = 2_000;
/** The row of an embedded runtime not seen for this long is removed. */
export const STALE_EMBEDDED_MS = 3600_000;

const SYSTEM = 'system:sweeper';

/**
 * The coordinator's safety net, run by every `latchkey serve` process (each step is
 * a conditional update, so several processes sweeping at once agree): ends sessions
 * that reached their expiry, were never offered, or whose runtime went silent; keeps
 * this process's embedded runtime marked alive and in step with the database.
 */
export function createSweeper(deps: {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  directory: RuntimeDirectory;
  log: Logger;
  /** Extra work on each tick (jobs). */
  also?: () => Promise<void>;
  intervalMs?: number;
}) {
  const reconcileLocal = async () => {
    const id = deps.directory.localId();
    const host = deps.directory.localHost();
    if (!id || !host) return;
    await deps.directory.touchLocal();
    const now = deps.clock.now();
    const running = new Set(host.liveSessions());
    const open = await deps.db
      .selectFrom('sessions')
      .select(['id', 'created_at'])
      .where('runtime_id', '=', id)
      .where('state', '<>', 'closed')
      .execute();
    const gone = open
      .filter((s) => !running.has(s.id) && new Date(s.created_at).getTime() < now - SETTLE_MS)
      .map((s) => s.id);
    if (gone.length > 0)
      await closeSessions(deps, (eb) => eb.and([eb('id', 'in', gone)]), 'runtime_lost', SYSTEM);
    const known = new Set(open.map((s) => s.id));
    for (const sid of running) {
      if (known.has(sid)) continue;
      const row = await deps.db
        .selectFrom('sessions')
        .select(['close_reason'])
        .where('id', '=', sid)
        .executeTakeFirst();
      await host.closeSession(sid, row?.close_reason ?? 'runtime_lost');
    }
  };

  const tick = async () => {
    await reconcileLocal();
    const now = deps.clock.now();
    await closeSessions(
      deps,
      (eb) => eb.and([eb('expires_at', '<=', new Date(now))]),
      'expired',
      SYSTEM,
    );
    await closeSessions(
      deps,
      (eb) =>
        eb.and([
          eb('state', '=', 'created'),
          eb('created_at', '<', new Date(now - CONNECT_TIMEOUT_MS)),
        ]),
      'connect_timeout',
      SYSTEM,
    );
    const live = (await deps.directory.live()).map((r) => r.id);
    await closeSessions(
      deps,
      (eb) =>
        eb.and([
          eb('created_at', '<', new Date(now - SETTLE_MS)),
          ...(live.length > 0 ? [eb.not(eb('runtime_id', 'in', live))] : []),
        ]),
      'runtime_lost',
      SYSTEM,
    );
    await sweepLostRuntimes(deps);
    // A process that died without detaching leaves its embedded runtime's row behind.
    await deps.db
      .deleteFrom('runtimes')
      .where('kind', '=', 'embedded')
      .where('last_seen_at', '<', new Date(now - STALE_EMBEDDED_MS))
      .execute();
    await deps.also?.();
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  return {
    /** One sweep now (tests call it instead of waiting). */
    tick: () => {
      running ??= tick()
        .catch((error) => deps.log.warn('sweep failed', { error: String(error) }))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    start() {
      timer ??= setInterval(() => void this.tick(), deps.intervalMs ?? SWEEP_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type Sweeper = ReturnType<typeof createSweeper>;
