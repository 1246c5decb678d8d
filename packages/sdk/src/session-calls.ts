import type { CreatedSession, SessionInfo } from '@latchkey/core';
import type { ClientContext } from './client-context.js';
import { LatchkeyError } from './errors.js';
import { RETRY_IDEMPOTENT, type RequestOptions } from './transport.js';

/** The session routes of the HTTP API, as the realtime client uses them. */
export interface SessionCalls {
  /** `POST /v1/sessions`: not idempotent (each call opens a session), so retried only on 429/503. */
  create(model: string, signal: AbortSignal | undefined): Promise<CreatedSession>;
  /** `POST /v1/sessions/{id}/offer` → the runtime's answer. */
  offer(sessionId: string, sdp: string, signal: AbortSignal): Promise<{ sdp: string }>;
  /** `GET /v1/sessions/{id}`. */
  get(sessionId: string, signal: AbortSignal): Promise<SessionInfo>;
  /** `DELETE /v1/sessions/{id}`: idempotent on the platform. */
  close(sessionId: string, options?: RequestOptions): Promise<SessionInfo>;
}

export function sessionCalls(ctx: ClientContext): SessionCalls {
  const { baseUrl, peer } = ctx;
  const url = (id?: string, tail = '') =>
    `${baseUrl}/v1/sessions${id === undefined ? '' : `/${encodeURIComponent(id)}`}${tail}`;
  const expect = <T>(value: unknown, what: string, ok: (v: Record<string, unknown>) => boolean) => {
    if (typeof value === 'object' && value !== null && ok(value as Record<string, unknown>))
      return value as T;
    throw new LatchkeyError(
      'INTERNAL_ERROR',
      `${peer} answered ${what} with something that is not a session. Check that the URL points at Latchkey.`,
      { docsBase: ctx.docsBase },
    );
  };
  const isSession = (v: Record<string, unknown>) =>
    typeof v.sessionId === 'string' && typeof v.state === 'string';

  return {
    async create(model, signal) {
      const created = await ctx.call<unknown>(
        {
          method: 'POST',
          url: url(),
          body: { model },
          idempotent: false,
          retryOn: [429, 503],
          peer,
        },
        { signal },
      );
      const session = expect<CreatedSession>(created, 'POST /v1/sessions', isSession);
      if (!Array.isArray(session.iceServers)) session.iceServers = [];
      return session;
    },
    async offer(sessionId, sdp, signal) {
      const answer = await ctx.call<unknown>(
        {
          method: 'POST',
          url: url(sessionId, '/offer'),
          body: { sdp },
          // A second offer replaces the transport, but the first one's answer would be lost.
          idempotent: false,
          retryOn: [429, 503],
          peer,
        },
        { signal },
      );
      return expect<{ sdp: string }>(
        answer,
        'POST /v1/sessions/{id}/offer',
        (v) => typeof v.sdp === 'string',
      );
    },
    async get(sessionId, signal) {
      const info = await ctx.call<unknown>(
        { method: 'GET', url: url(sessionId), idempotent: true, retryOn: RETRY_IDEMPOTENT, peer },
        { signal },
      );
      return expect<SessionInfo>(info, 'GET /v1/sessions/{id}', isSession);
    },
    async close(sessionId, options) {
      const info = await ctx.call<unknown>(
        {
          method: 'DELETE',
          url: url(sessionId),
          idempotent: true,
          retryOn: RETRY_IDEMPOTENT,
          peer,
        },
        options,
      );
      return expect<SessionInfo>(info, 'DELETE /v1/sessions/{id}', isSession);
    },
  };
}
