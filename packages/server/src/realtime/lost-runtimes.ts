import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditInTransaction } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import { announcedModels as announced, LIVE_MS, parseModels } from './runtime-credentials.js';

/**
 * Runtimes that went silent (no heartbeat for LIVE_MS, no deregistration: a crash, a
 * cut network) leave: audited `runtime.lost` with the models they served, once (the
 * conditional update forgets the instance, so several sweeping processes agree). A
 * runtime that comes back is told to register again (409) and joins anew.
 */
export async function sweepLostRuntimes(deps: { db: Kysely<Database>; clock: Clock }) {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const lost = await trx
      .updateTable('runtimes')
      .set({ instance_id: null })
      .where('kind', '=', 'remote')
      .where('instance_id', 'is not', null)
      .where('last_seen_at', '<', new Date(now - LIVE_MS))
      .returningAll()
      .execute();
    for (const r of lost)
      await auditInTransaction(trx, deps.clock, {
        orgId: r.org_id ?? null,
        action: 'runtime.lost',
        actor: 'system:sweeper',
        target: r.id,
        outcome: 'ok',
        data: {
          models: parseModels(r.models).map((m) => m.name),
          announced: announced(parseModels(r.models)),
          lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at).toISOString(),
        },
      });
    return lost.map((r) => r.id);
  });
}
