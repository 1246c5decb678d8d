import { hostname } from 'node:os';
import { type ModelInfo, newId, parseModelRef } from '@latchkey/core';
import type { RuntimeHost } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../services/clock.js';
import type { SecretBox } from '../services/secret-box.js';
import { announces } from './grant-checks.js';
import { createRemoteRuntime } from './remote-runtime.js';
import { LIVE_MS, parseModels } from './runtime-credentials.js';
import type { RuntimeRow } from './schema.js';

/**
 * Where the models are: every runtime this platform may place work on, embedded in
 * some `latchkey serve` process or registered from its own. Any process reaches any
 * runtime: its own embedded one directly, the others over the runtime HTTP protocol.
 */
export interface RuntimeDirectory {
  /** Registers this process's embedded runtime, reachable by others at `url`. */
  attachEmbedded(host: RuntimeHost, url: string, secret: string): Promise<string>;
  /** Removes this process's embedded runtime from the directory. */
  detachEmbedded(): Promise<void>;
  /** The id of this process's embedded runtime, if it has one. */
  localId(): string | undefined;
  localHost(): RuntimeHost | undefined;
  /** A runtime to talk to (also revoked or silent ones, so they can be told to stop). */
  host(runtimeId: string): Promise<RuntimeHost | undefined>;
  /** Runtimes heard from within LIVE_MS and not revoked. */
  live(): Promise<RuntimeRow[]>;
  /** The models live runtimes serve, one entry per name and version (a ready one first). */
  models(): Promise<ModelInfo[]>;
  /**
   * The live runtime with the most free room for a session (or a job) of `model` (in
   * `version`; a `name@version` ref names its version itself, as queued jobs hold it).
   */
  pick(
    model: string,
    work: 'session' | 'job',
    version?: string | undefined,
  ): Promise<RuntimeRow | undefined>;
  /** Marks the embedded runtime as seen now. */
  touchLocal(): Promise<void>;
}

export function createRuntimeDirectory(deps: {
  db: Kysely<Database>;
  clock: Clock;
  box: SecretBox;
}): RuntimeDirectory {
  let local: { id: string; host: RuntimeHost } | undefined;
  const remotes = new Map<string, { key: string; host: RuntimeHost }>();

  const live = async () => {
    const cutoff = new Date(deps.clock.now() - LIVE_MS);
    return deps.db
      .selectFrom('runtimes')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('url', 'is not', null)
      .where('last_seen_at', '>', cutoff)
      .orderBy('created_at', 'asc')
      .execute();
  };

  const serves = (
    r: RuntimeRow,
    model: string,
    kind: ModelInfo['kind'],
    version: string | undefined,
  ) => parseModels(r.models).some((m) => announces(m, model, kind, version));

  return {
    async attachEmbedded(host, url, secret) {
      const now = deps.clock.now();
      const id = newId('rtm', now);
      const capacity = host.capacity();
      await deps.db
        .insertInto('runtimes')
        .values({
          id,
          name: `embedded in ${hostname()} pid ${process.pid}`,
          kind: 'embedded',
          hash: null,
          display: null,
          url,
          secret_enc: deps.box.seal(Buffer.from(secret)),
          instance_id: id,
          models: JSON.stringify(host.models()),
          capacity_sessions: capacity.sessions,
          capacity_jobs: capacity.jobs,
          version: null,
          last_seen_at: new Date(now),
          created_at: new Date(now),
          created_by: 'system:serve',
          revoked_at: null,
        })
        .execute();
      local = { id, host };
      return id;
    },
    async detachEmbedded() {
      if (!local) return;
      const { id } = local;
      local = undefined;
      await deps.db.deleteFrom('runtimes').where('id', '=', id).execute();
    },
    localId: () => local?.id,
    localHost: () => local?.host,
    async host(runtimeId) {
      if (local?.id === runtimeId) return local.host;
      const row = await deps.db
        .selectFrom('runtimes')
        .selectAll()
        .where('id', '=', runtimeId)
        .executeTakeFirst();
      if (!row?.url || !row.secret_enc) return undefined;
      const key = `${row.instance_id}|${row.url}`;
      const cached = remotes.get(runtimeId);
      if (cached?.key === key) return cached.host;
      const host = createRemoteRuntime({
        url: row.url,
        secret: deps.box.open(row.secret_enc).toString('utf8'),
        models: parseModels(row.models),
        capacity: { sessions: row.capacity_sessions, jobs: row.capacity_jobs },
      });
      remotes.set(runtimeId, { key, host });
      return host;
    },
    live,
    async models() {
      const byName = new Map<string, ModelInfo>();
      for (const r of await live())
        for (const m of parseModels(r.models)) {
          const key = `${m.name}@${m.version ?? ''}`;
          const seen = byName.get(key);
          if (!seen || ((seen.state ?? 'ready') !== 'ready' && (m.state ?? 'ready') === 'ready'))
            byName.set(key, m);
        }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
    async pick(ref, work, version) {
      const parsed = version === undefined ? parseModelRef(ref) : undefined;
      const model = parsed?.name ?? ref;
      version ??= parsed?.version;
      const kind = work === 'session' ? 'realtime' : 'batch';
      const candidates = (await live()).filter((r) => serves(r, model, kind, version));
      if (candidates.length === 0) return undefined;
      const ids = candidates.map((r) => r.id);
      const busy =
        work === 'session'
          ? await deps.db
              .selectFrom('sessions')
              .select(['runtime_id', (eb) => eb.fn.countAll<string>().as('n')])
              .where('state', '<>', 'closed')
              .where('runtime_id', 'in', ids)
              .groupBy('runtime_id')
              .execute()
          : await deps.db
              .selectFrom('jobs')
              .select(['runtime_id', (eb) => eb.fn.countAll<string>().as('n')])
              .where('state', '=', 'running')
              .where('runtime_id', 'in', ids)
              .groupBy('runtime_id')
              .execute();
      const used = new Map(busy.map((b) => [b.runtime_id, Number(b.n)]));
      let best: { row: RuntimeRow; free: number } | undefined;
      for (const row of candidates) {
        const cap = work === 'session' ? row.capacity_sessions : row.capacity_jobs;
        const free = cap - (used.get(row.id) ?? 0);
        if (free <= 0) continue;
        // Ties go to this process's own runtime: no hop over HTTP.
        const better = !best || free > best.free || (free === best.free && row.id === local?.id);
        if (better) best = { row, free };
      }
      return best?.row;
    },
    async touchLocal() {
      if (!local) return;
      await deps.db
        .updateTable('runtimes')
        .set({ last_seen_at: new Date(deps.clock.now()) })
        .where('id', '=', local.id)
        .execute();
    },
  };
}
