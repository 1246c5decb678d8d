import { createHash } from 'node:crypto';
import { type CloseReason, formatIssues, isCloseReason, type ModelInfo } from '@latchkey/core';
import {
  errorDetail,
  type HostResult,
  type Logger,
  type OpenSessionRequest,
  OpenSessionRequestSchema,
  type RuntimeCapacity,
  type RuntimeEvent,
  type RuntimeHost,
  silentLogger,
  type TokenVerifier,
} from '@latchkey/core/node';
import { z } from 'zod';
import { announcedInfo, grantedName, servedModel } from './deployment.js';
import { checkGrant, verifyCaller } from './grant-check.js';
import { IceNetwork, type IceNetworkOptions } from './ice-network.js';
import { JobRunner } from './job-runner.js';
import type { Model } from './model.js';
import { defaultModels } from './models/default-models.js';
import { Session } from './session.js';

export interface RuntimeOptions extends IceNetworkOptions {
  /** The models to serve. Default `defaultModels()` (echo and render). */
  models?: Model[];
  /** Verifies session tokens (`createVerifier` from `@latchkey/core/node`). */
  verifyToken: TokenVerifier;
  /** Default `{ sessions: 32, jobs: 2 }`. */
  capacity?: Partial<RuntimeCapacity>;
  /** How long a session whose transport dropped waits for a reconnect. Default 10 s. */
  reconnectGraceMs?: number;
  /** How long a session may go without a connected transport after it opens. Default 30 s. */
  connectTimeoutMs?: number;
  /** Longest wait for ICE gathering before answering an offer. Default 5 s. */
  gatherTimeoutMs?: number;
  log?: Logger;
  /** Epoch milliseconds; for tests. */
  now?: () => number;
}

export interface RuntimeStats {
  sessions: { created: number; waiting: number; active: number };
  jobsRunning: number;
  /** Data-channel messages dropped: binary, larger than MAX_MESSAGE_BYTES, or not a command. */
  ignoredMessages: number;
}

/** A runtime in this process: the `RuntimeHost` plus what an operator wants to see. */
export interface Runtime extends RuntimeHost {
  stats(): RuntimeStats;
}

const optionsSchema = z.object({
  capacity: z
    .object({
      sessions: z.number().int().min(0).max(100_000).optional(),
      jobs: z.number().int().min(0).max(10_000).optional(),
    })
    .optional(),
  reconnectGraceMs: z.number().int().min(0).max(3_600_000).optional(),
  connectTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  gatherTimeoutMs: z.number().int().min(1).max(60_000).optional(),
});

/** Closed session ids remembered, so a late offer or re-open is SESSION_CLOSED, not NOT_FOUND. */
const CLOSED_MEMORY = 1000;

/**
 * Hosts models in this process: realtime sessions over WebRTC (werift) and batch jobs.
 * It verifies every token itself and tells the coordinator what happens through `onEvent`.
 *
 * @example
 * const runtime = createRuntime({
 *   verifyToken: createVerifier({ jwks: `${serverUrl}/.well-known/jwks.json`, issuer, audience }),
 * });
 * const opened = await runtime.openSession({ sessionId, model: 'echo', token, origin, expiresAt });
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  if (!options || typeof options.verifyToken !== 'function')
    throw new TypeError(
      'createRuntime: verifyToken is required (createVerifier from @latchkey/core/node)',
    );
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`createRuntime: ${formatIssues(parsed.error.issues)}`);
  const models = new Map<string, Model>();
  for (const m of options.models ?? defaultModels()) {
    if (!m || (m.kind !== 'realtime' && m.kind !== 'batch'))
      throw new TypeError(
        'createRuntime: models must come from defineRealtimeModel or defineBatchModel',
      );
    if (models.has(m.name)) throw new TypeError(`createRuntime: two models are named "${m.name}"`);
    models.set(m.name, m);
  }
  const capacity: RuntimeCapacity = {
    sessions: options.capacity?.sessions ?? 32,
    jobs: options.capacity?.jobs ?? 2,
  };
  const network = new IceNetwork({
    hostAddresses: options.hostAddresses,
    announcedAddresses: options.announcedAddresses,
    rtcPorts: options.rtcPorts,
    turn: options.turn,
  });
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const verify = options.verifyToken;
  const sessions = new Map<string, Session>();
  const closedIds = new Set<string>();
  const listeners = new Set<(event: RuntimeEvent) => void>();
  let ignoredMessages = 0;
  let closing: Promise<void> | undefined;

  const emit = (event: RuntimeEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        log.error('runtime event listener threw', { error: errorDetail(error) });
      }
    }
  };
  const settings = {
    network,
    reconnectGraceMs: options.reconnectGraceMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
    gatherTimeoutMs: options.gatherTimeoutMs ?? 5_000,
    now,
    log,
    emit,
    ignored: () => {
      ignoredMessages++;
    },
    ended: (session: Session) => {
      if (sessions.get(session.id) === session) sessions.delete(session.id);
      closedIds.add(session.id);
      if (closedIds.size > CLOSED_MEMORY)
        closedIds.delete(closedIds.values().next().value as string);
    },
  };
  const jobs = new JobRunner({ models, verify, capacity, log });

  async function openSession(
    request: OpenSessionRequest,
  ): Promise<HostResult<{ expiresAt: number }>> {
    const req = OpenSessionRequestSchema.safeParse(request);
    if (!req.success)
      return { ok: false, code: 'INVALID_REQUEST', message: formatIssues(req.error.issues) };
    const { sessionId, model: name, token, origin } = req.data;
    const tokenHash = createHash('sha256').update(token).digest('base64url');
    const known = (): HostResult<{ expiresAt: number }> | undefined => {
      const existing = sessions.get(sessionId);
      if (existing) {
        // The coordinator retrying the same call gets the same answer.
        if (
          existing.tokenHash === tokenHash &&
          (existing.model.name === name || grantedName(existing.model) === name)
        )
          return { ok: true, value: { expiresAt: existing.expiresAt } };
        return {
          ok: false,
          code: 'CONFLICT',
          message: `session ${sessionId} is open with another token or model`,
        };
      }
      if (closedIds.has(sessionId))
        return { ok: false, code: 'SESSION_CLOSED', message: 'this session has ended' };
      return undefined;
    };
    const early = known();
    if (early) return early;
    const caller = await verifyCaller(verify, token);
    if (!caller.ok) return caller;
    const served = servedModel(models, name, 'realtime');
    if (!served.ok) return served;
    const model = served.value;
    // A version's session needs a grant naming the model, or that very version.
    const granted = checkGrant(caller.value.grant, grantedName(model), origin);
    if (!granted.ok) return granted;
    // Nothing awaits from here to the insert: the checks below hold when it happens.
    const late = known();
    if (late) return late;
    if (closing)
      return { ok: false, code: 'MODEL_UNAVAILABLE', message: 'this runtime is shutting down' };
    if (sessions.size >= capacity.sessions)
      return {
        ok: false,
        code: 'MODEL_UNAVAILABLE',
        message: 'this runtime has no room for another session',
      };
    const t = now();
    const expiresAt = Math.floor(
      Math.min(req.data.expiresAt, t + caller.value.grant.maxSessionSeconds * 1000),
    );
    if (expiresAt <= t)
      return { ok: false, code: 'INVALID_REQUEST', message: 'expiresAt is in the past' };
    const session = new Session(
      sessionId,
      model,
      caller.value.grant,
      tokenHash,
      expiresAt,
      settings,
    );
    sessions.set(sessionId, session);
    log.info('session opened', { sessionId, model: name, expiresAt });
    return { ok: true, value: { expiresAt } };
  }

  const runtime: Runtime = {
    models: (): ModelInfo[] => [...models.values()].map(announcedInfo),
    capacity: () => ({ ...capacity }),
    liveSessions: () => [...sessions.keys()],
    async openSession(request) {
      try {
        return await openSession(request);
      } catch (error) {
        log.error('openSession failed', { error: errorDetail(error) });
        return {
          ok: false,
          code: 'INTERNAL_ERROR',
          message: 'the runtime could not open the session',
        };
      }
    },
    async offer(sessionId, sdp) {
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!session) {
        return closedIds.has(sessionId)
          ? { ok: false, code: 'SESSION_CLOSED', message: 'this session has ended' }
          : { ok: false, code: 'NOT_FOUND', message: 'no such session on this runtime' };
      }
      try {
        return await session.offer(sdp);
      } catch (error) {
        log.error('offer failed', { sessionId, error: errorDetail(error) });
        return {
          ok: false,
          code: 'INTERNAL_ERROR',
          message: 'the runtime could not answer the offer',
        };
      }
    },
    async closeSession(sessionId, reason) {
      const why: CloseReason = isCloseReason(reason) ? reason : 'client_closed';
      await sessions.get(sessionId)?.close(why);
    },
    validateJob: async (model, input) => jobs.validate(model, input),
    runJob: (request) => jobs.run(request),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        jobs.close();
        await Promise.all([...sessions.values()].map((s) => s.close('runtime_shutdown')));
      })();
      return closing;
    },
    stats() {
      const count = { created: 0, waiting: 0, active: 0 };
      for (const s of sessions.values()) if (s.state !== 'closed') count[s.state]++;
      return { sessions: count, jobsRunning: jobs.running, ignoredMessages };
    },
  };
  return runtime;
}
