import type { ModelInfo } from '@latchkey/core';
import type {
  EventsRequest,
  HeartbeatAnswer,
  HeartbeatRequest,
  RegisterRequest,
} from '@latchkey/core/node';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditInTransaction } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { fail, ok, type Result } from '../services/result.js';
import type { SecretBox } from '../services/secret-box.js';
import { closeSessions } from './close-sessions.js';
import { announcedModels as announced, parseModels } from './runtime-credentials.js';
import { announcedModelsRefusal } from './runtime-models.js';
import type { RuntimeRow } from './schema.js';
import type { SessionService } from './sessions.js';
import { SETTLE_MS } from './sweeper.js';

/** How often a remote runtime should say it is alive (it is dropped after LIVE_MS of silence). */
export const HEARTBEAT_SECONDS = 2;

interface Deps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  box: SecretBox;
}

/**
 * A `latchkey runtime` process comes online. A new instance of a credential replaces
 * the previous one: whatever sessions that one held end (`runtime_lost`).
 */
export async function registerRuntime(
  deps: Deps,
  runtime: RuntimeRow,
  input: RegisterRequest,
  context: { ip: string | null },
): Promise<Result<{ runtimeId: string }>> {
  const refused = await announcedModelsRefusal(deps.db, runtime, input.models);
  if (refused) {
    await deps.db.transaction().execute((trx) =>
      auditInTransaction(trx, deps.clock, {
        orgId: runtime.org_id ?? null,
        action: 'runtime.registered',
        actor: runtime.id,
        target: runtime.id,
        outcome: refused.code,
        ip: context.ip,
        data: {
          models: input.models.map((m) => m.name),
          announced: announced(input.models),
          message: refused.message,
        },
      }),
    );
    return refused;
  }
  const now = deps.clock.now();
  const previous = runtime.instance_id;
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('runtimes')
      .set({
        url: input.url,
        secret_enc: deps.box.seal(Buffer.from(input.secret)),
        instance_id: input.instanceId,
        models: JSON.stringify(input.models),
        capacity_sessions: input.capacity.sessions,
        capacity_jobs: input.capacity.jobs,
        version: input.version ?? null,
        last_seen_at: new Date(now),
      })
      .where('id', '=', runtime.id)
      .execute();
    if (runtime.org_id) await recordVersionStates(trx, runtime.org_id, input.models, now);
    await auditInTransaction(trx, deps.clock, {
      orgId: runtime.org_id ?? null,
      action: 'runtime.registered',
      actor: runtime.id,
      target: runtime.id,
      outcome: 'ok',
      ip: context.ip,
      data: {
        url: input.url,
        models: input.models.map((m) => m.name),
        // What each model's log shows: the version and state it was announced in.
        announced: announced(input.models),
        capacity: input.capacity,
        replaced: previous !== null && previous !== input.instanceId,
      },
    });
  });
  if (previous !== null && previous !== input.instanceId)
    await closeSessions(
      deps,
      (eb) => eb.and([eb('runtime_id', '=', runtime.id)]),
      'runtime_lost',
      `runtime:${runtime.id}`,
    );
  return ok({ runtimeId: runtime.id });
}

/**
 * A version's last failure, as its org's runtimes report it: set by a `failed` report,
 * cleared by a `ready` one (the models route reads it for the version's state).
 */
async function recordVersionStates(
  trx: Transaction<Database>,
  orgId: string,
  models: ModelInfo[],
  now: number,
): Promise<void> {
  for (const m of models) {
    if (m.version === undefined || (m.state !== 'failed' && m.state !== 'ready')) continue;
    const model = await trx
      .selectFrom('models')
      .select('id')
      .where('name', '=', m.name)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!model) continue;
    await trx
      .updateTable('model_versions')
      .set(
        m.state === 'failed'
          ? { failed_message: (m.stateMessage ?? 'failed').slice(0, 500), failed_at: new Date(now) }
          : { failed_message: null, failed_at: null },
      )
      .where('model_id', '=', model.id)
      .where('version', '=', m.version)
      .execute();
  }
}

const notCurrent = (runtime: RuntimeRow) =>
  fail(
    'CONFLICT',
    `runtime ${runtime.id} is registered by another instance now; register again to take it back`,
  );

/**
 * A heartbeat: marks the runtime alive and reconciles its sessions with the
 * database. Answers the sessions it should end (closed here, or unknown); ends here
 * those it no longer has.
 */
export async function heartbeatRuntime(
  deps: Deps,
  runtime: RuntimeRow,
  input: HeartbeatRequest,
): Promise<Result<HeartbeatAnswer>> {
  if (runtime.instance_id !== input.instanceId) return notCurrent(runtime);
  const now = deps.clock.now();
  await deps.db
    .updateTable('runtimes')
    .set({ last_seen_at: new Date(now) })
    .where('id', '=', runtime.id)
    .execute();
  const reported = new Set(input.sessions);
  const open = await deps.db
    .selectFrom('sessions')
    .select(['id', 'created_at'])
    .where('runtime_id', '=', runtime.id)
    .where('state', '<>', 'closed')
    .execute();
  const gone = open
    .filter((s) => !reported.has(s.id) && new Date(s.created_at).getTime() < now - SETTLE_MS)
    .map((s) => s.id);
  if (gone.length > 0)
    await closeSessions(
      deps,
      (eb) => eb.and([eb('id', 'in', gone)]),
      'runtime_lost',
      `runtime:${runtime.id}`,
    );
  const openIds = new Set(open.map((s) => s.id));
  const stray = input.sessions.filter((id) => !openIds.has(id));
  const close: HeartbeatAnswer['close'] = [];
  if (stray.length > 0) {
    const rows = await deps.db
      .selectFrom('sessions')
      .select(['id', 'close_reason', 'runtime_id'])
      .where('id', 'in', stray)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of stray) {
      const r = byId.get(id);
      close.push({
        sessionId: id,
        reason: r?.runtime_id === runtime.id ? (r.close_reason ?? 'runtime_lost') : 'runtime_lost',
      });
    }
  }
  return ok({ close });
}

export async function applyRuntimeEvents(
  sessions: SessionService,
  runtime: RuntimeRow,
  input: EventsRequest,
): Promise<Result<void>> {
  if (runtime.instance_id !== input.instanceId) return notCurrent(runtime);
  for (const e of input.events) await sessions.applyEvent(runtime.id, e);
  return ok(undefined);
}

/** The runtime is going away: it is no longer given work, and its sessions end. */
export async function deregisterRuntime(
  deps: Deps,
  runtime: RuntimeRow,
  input: { instanceId: string },
): Promise<Result<void>> {
  if (runtime.instance_id !== input.instanceId) return notCurrent(runtime);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('runtimes')
      .set({ last_seen_at: null })
      .where('id', '=', runtime.id)
      .execute();
    await auditInTransaction(trx, deps.clock, {
      orgId: runtime.org_id ?? null,
      action: 'runtime.deregistered',
      actor: runtime.id,
      target: runtime.id,
      outcome: 'ok',
      data: { models: parseModels(runtime.models).map((m) => m.name) },
    });
  });
  await closeSessions(
    deps,
    (eb) => eb.and([eb('runtime_id', '=', runtime.id)]),
    'runtime_shutdown',
    `runtime:${runtime.id}`,
  );
  return ok(undefined);
}
