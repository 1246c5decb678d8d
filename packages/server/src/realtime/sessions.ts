import { type CreatedSession, type IceServer, newId, type SessionInfo } from '@latchkey/core';
import type { Logger, RuntimeEvent } from '@latchkey/core/node';
import { type TurnConfig, turnCredentials } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { resolveModelRef } from '../models/resolve-model-ref.js';
import type { AuditWriter } from '../services/audit.js';
import type { Caller, RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { mintToken } from '../services/mint-token.js';
import { type Failure, fail, ok, type Result } from '../services/result.js';
import type { SigningKeys } from '../services/signing-keys.js';
import { closeSessions, toSessionInfo } from './close-sessions.js';
import { callerGrantRefusal, modelRefusal, visibleTo } from './grant-checks.js';
import type { RuntimeDirectory } from './runtime-directory.js';
import type { SessionRow } from './schema.js';

export const DEFAULT_KEY_SESSION_SECONDS = 3600;
/** A token the platform mints for a key caller's session lives just long enough to open it. */
const KEY_SESSION_TOKEN_SECONDS = 300;

export interface SessionDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  audit: AuditWriter;
  log: Logger;
  signingKeys: SigningKeys;
  issuer: string;
  audience: string;
  directory: RuntimeDirectory;
  iceServers: IceServer[];
  /** Mints each new session TURN credentials that expire with it. */
  turn?: TurnConfig | undefined;
}

export interface SessionService {
  create(
    caller: Caller,
    input: { model: string; maxSessionSeconds?: number | undefined },
    req: RequestContext,
  ): Promise<Result<CreatedSession>>;
  get(caller: Caller, id: string): Promise<Result<SessionInfo>>;
  offer(caller: Caller, id: string, sdp: string): Promise<Result<{ type: 'answer'; sdp: string }>>;
  close(caller: Caller, id: string): Promise<Result<SessionInfo>>;
  /** Applies what a runtime reports; a runtime may only touch its own sessions. */
  applyEvent(runtimeId: string, event: RuntimeEvent): Promise<void>;
}

export function createSessionService(deps: SessionDeps): SessionService {
  const load = async (caller: Caller, id: string): Promise<Result<SessionRow>> =>
    visibleTo(
      caller,
      await deps.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst(),
      `session "${id.slice(0, 64)}"`,
    );

  const refused = (caller: Caller, model: string, req: RequestContext, f: Failure) => {
    void deps.audit
      .write({
        orgId: caller.orgId,
        action: 'session.refused',
        actor: caller.keyId,
        target: caller.kind === 'token' ? caller.claims.jti : null,
        outcome: f.code,
        ip: req.ip,
        userAgent: req.userAgent,
        requestId: req.requestId,
        data: { model, origin: req.origin, message: f.message },
      })
      .catch((error) => deps.log.warn('audit write failed', { error: String(error) }));
    return f;
  };

  const create: SessionService['create'] = async (caller, input, req) => {
    // A partner model: the caller's org may use it, and `model` becomes `name@version`
    // (the default's when bare), which the grant and the runtime check.
    const resolved = await resolveModelRef(deps.db, input.model, caller.orgId);
    if (!resolved.ok) return refused(caller, input.model, req, resolved);
    const { name, version } = resolved.value;
    const model = resolved.value.model ? resolved.value.ref : input.model;
    const models = await deps.directory.models();
    const unknown = modelRefusal(models, name, 'realtime', version);
    if (unknown) return refused(caller, model, req, unknown);
    const denied = callerGrantRefusal(caller, model, req.origin);
    if (denied) return refused(caller, model, req, denied);

    let token: string;
    let tokenId: string;
    let seconds: number;
    let limit: number | undefined;
    if (caller.kind === 'token') {
      token = caller.token;
      tokenId = caller.claims.jti;
      seconds = caller.grant.maxSessionSeconds;
      limit = caller.grant.maxSessions;
    } else {
      seconds = input.maxSessionSeconds ?? DEFAULT_KEY_SESSION_SECONDS;
      const minted = mintToken(
        {
          clock: deps.clock,
          signingKeys: deps.signingKeys,
          issuer: deps.issuer,
          audience: deps.audience,
        },
        caller.key,
        {
          expiresIn: KEY_SESSION_TOKEN_SECONDS,
          models: [model],
          maxSessions: 1,
          maxSessionSeconds: seconds,
        },
      );
      token = minted.token;
      tokenId = minted.tokenId;
    }

    const runtime = await deps.directory.pick(name, 'session', version);
    const now = deps.clock.now();
    const row: SessionRow = {
      id: newId('ses', now),
      org_id: caller.orgId,
      key_id: caller.keyId,
      token_id: tokenId,
      owner_ref: caller.kind === 'token' ? caller.ownerRef : null,
      model,
      state: 'created',
      close_reason: null,
      runtime_id: runtime?.id ?? '',
      origin: req.origin,
      created_at: new Date(now),
      active_at: null,
      closed_at: null,
      expires_at: new Date(now + seconds * 1000),
    };
    // The token's row is locked while its open sessions are counted and the new one
    // inserted, so two concurrent creates cannot both take the last slot.
    const placed = await deps.db.transaction().execute(async (trx): Promise<Result<true>> => {
      if (limit !== undefined) {
        await trx
          .insertInto('session_tokens')
          .values({ token_id: tokenId, org_id: caller.orgId, created_at: new Date(now) })
          .onConflict((oc) => oc.column('token_id').doNothing())
          .execute();
        await trx
          .selectFrom('session_tokens')
          .select('token_id')
          .where('token_id', '=', tokenId)
          .forUpdate()
          .execute();
        const open = await trx
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('token_id', '=', tokenId)
          .where('state', '<>', 'closed')
          .executeTakeFirstOrThrow();
        if (Number(open.n) >= limit)
          return fail(
            'SESSION_LIMIT',
            `this session token allows ${limit} open session${limit === 1 ? '' : 's'} at a time, and ${Number(open.n)} ${Number(open.n) === 1 ? 'is' : 'are'} open`,
          );
      }
      if (!runtime)
        return fail('MODEL_UNAVAILABLE', `every runtime serving "${model}" is at capacity`);
      await trx.insertInto('sessions').values(row).execute();
      return ok(true);
    });
    if (!placed.ok) return refused(caller, model, req, placed);

    const host = await deps.directory.host(row.runtime_id);
    const opened = host
      ? await host.openSession({
          sessionId: row.id,
          model,
          token,
          origin: req.origin,
          expiresAt: now + seconds * 1000,
        })
      : fail('UNAVAILABLE', 'the runtime chosen for this session cannot be reached; retry');
    if (!opened.ok) {
      // The session never started: it leaves no open row behind.
      await deps.db.deleteFrom('sessions').where('id', '=', row.id).execute();
      return refused(caller, model, req, opened);
    }
    if (opened.value.expiresAt < now + seconds * 1000) {
      row.expires_at = new Date(opened.value.expiresAt);
      await deps.db
        .updateTable('sessions')
        .set({ expires_at: row.expires_at })
        .where('id', '=', row.id)
        .execute();
    }
    await deps.audit.write({
      orgId: caller.orgId,
      action: 'session.started',
      actor: caller.keyId,
      target: row.id,
      outcome: 'ok',
      ip: req.ip,
      userAgent: req.userAgent,
      requestId: req.requestId,
      data: {
        model,
        tokenId,
        keyId: caller.keyId,
        origin: req.origin,
        runtimeId: row.runtime_id,
        expiresAt: new Date(row.expires_at).toISOString(),
      },
    });
    const iceServers = deps.turn
      ? [...deps.iceServers, turnCredentials(deps.turn, row.id, row.expires_at)]
      : deps.iceServers;
    return ok({ ...toSessionInfo(row), iceServers });
  };

  return {
    create,
    async get(caller, id) {
      const row = await load(caller, id);
      return row.ok ? ok(toSessionInfo(row.value)) : row;
    },
    async offer(caller, id, sdp) {
      const row = await load(caller, id);
      if (!row.ok) return row;
      if (row.value.state === 'closed')
        return fail(
          'SESSION_CLOSED',
          `session ${id} has ended (${row.value.close_reason ?? 'closed'}); open a new one`,
        );
      const host = await deps.directory.host(row.value.runtime_id);
      if (!host) return fail('UNAVAILABLE', 'the runtime hosting this session cannot be reached');
      const answer = await host.offer(id, sdp);
      if (!answer.ok) return answer;
      await deps.db
        .updateTable('sessions')
        .set({ state: 'waiting' })
        .where('id', '=', id)
        .where('state', '=', 'created')
        .execute();
      return ok({ type: 'answer', sdp: answer.value.sdp });
    },
    async close(caller, id) {
      const row = await load(caller, id);
      if (!row.ok) return row;
      if (row.value.state === 'closed') return ok(toSessionInfo(row.value));
      const [closed] = await closeSessions(
        deps,
        (eb) => eb.and([eb('id', '=', id)]),
        'client_closed',
        caller.kind === 'token' ? caller.claims.jti : caller.keyId,
      );
      if (closed) return ok(toSessionInfo(closed));
      return this.get(caller, id); // closed meanwhile, for another reason
    },
    async applyEvent(runtimeId, event) {
      const mine = deps.db
        .updateTable('sessions')
        .where('id', '=', event.sessionId)
        .where('runtime_id', '=', runtimeId);
      if (event.type === 'session-waiting') {
        await mine.set({ state: 'waiting' }).where('state', '=', 'created').execute();
      } else if (event.type === 'session-active') {
        await mine
          .set({ state: 'active', active_at: new Date(deps.clock.now()) })
          .where('state', 'in', ['created', 'waiting'])
          .execute();
      } else {
        await closeSessions(
          deps,
          (eb) => eb.and([eb('id', '=', event.sessionId), eb('runtime_id', '=', runtimeId)]),
          event.reason,
          `runtime:${runtimeId}`,
        );
      }
    },
  };
}
