// The runtime's side of the runtime HTTP protocol: what the coordinator calls on a
// runtime in another process (or through `/runtime-host/*` on a server).
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  bearerToken,
  ERROR_CODES,
  type ErrorCode,
  errorResponse,
  formatIssues,
  newId,
} from '@latchkey/core';
import {
  CloseReasonSchema,
  errorDetail,
  type HostResult,
  type Logger,
  OfferRequestSchema,
  OpenSessionRequestSchema,
  RunJobRequestSchema,
  type RuntimeHost,
  silentLogger,
  ValidateJobRequestSchema,
} from '@latchkey/core/node';
import type { z } from 'zod';
import { readJsonBody } from './read-json-body.js';

export interface RuntimeHandlerOptions {
  /** The bearer the coordinator must send (the `secret` the runtime registered with). */
  secret: string;
  /** Largest JSON body accepted. Default 64 KiB. */
  maxBodyBytes?: number;
  log?: Logger;
}

const SESSION_ID = '([A-Za-z0-9_-]{1,64})';
type Route = 'offer' | 'session' | 'sessions' | 'validate' | 'jobs' | 'healthz';
// Matched on the end of the path, so the handler works under any mount prefix
// (`/runtime-host/sessions` on a server, `/sessions` on a runtime process).
const ROUTES: [RegExp, Route, string[]][] = [
  [new RegExp(`/sessions/${SESSION_ID}/offer$`), 'offer', ['POST']],
  [new RegExp(`/sessions/${SESSION_ID}$`), 'session', ['DELETE']],
  [/\/sessions$/, 'sessions', ['GET', 'POST']],
  [/\/jobs\/validate$/, 'validate', ['POST']],
  [/\/jobs$/, 'jobs', ['POST']],
  [/\/healthz$/, 'healthz', ['GET']],
];

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Serves a `RuntimeHost` over HTTP for the coordinator: `POST /sessions`,
 * `POST /sessions/{id}/offer`, `DELETE /sessions/{id}?reason=…`, `GET /sessions`,
 * `POST /jobs/validate`, `POST /jobs`, and `GET /healthz` (the only call without the
 * bearer secret). Refusals are error envelopes; bad input is a 4xx, never a 500.
 *
 * @example
 * const handle = createRuntimeHandler(runtime, { secret });
 * http.createServer(toNodeListener(handle)).listen(8788);
 */
export function createRuntimeHandler(
  host: RuntimeHost,
  options: RuntimeHandlerOptions,
): (request: Request) => Promise<Response> {
  if (!host || typeof host.openSession !== 'function')
    throw new TypeError('createRuntimeHandler: a RuntimeHost is required');
  if (typeof options?.secret !== 'string' || options.secret.length < 16)
    throw new TypeError('createRuntimeHandler: secret must be a string of 16 characters or more');
  const expected = digest(options.secret);
  const limit = options.maxBodyBytes ?? 64 * 1024;
  const log = options.log ?? silentLogger;

  const authorized = (request: Request): boolean => {
    const token = bearerToken(request.headers.get('authorization'));
    // Compare digests: equal lengths, and the time does not depend on where they differ.
    return token !== undefined && timingSafeEqual(digest(token), expected);
  };

  return async (request): Promise<Response> => {
    const incoming = request.headers.get('x-request-id');
    const requestId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : newId('req');
    const fail = (code: ErrorCode, message: string, headers?: Record<string, string>) =>
      errorResponse(code, message, { requestId, headers });
    const result = <T>(r: HostResult<T>, ok: (value: T) => Response): Response =>
      r.ok ? ok(r.value) : fail(r.code, r.message);
    const json = (body: unknown, status = 200) =>
      Response.json(body, {
        status,
        headers: { 'x-request-id': requestId, 'cache-control': 'no-store' },
      });
    const empty = () => new Response(null, { status: 204, headers: { 'x-request-id': requestId } });

    try {
      const url = new URL(request.url);
      const path = url.pathname.replace(/\/+$/, '');
      const found = ROUTES.map(
        ([re, name, methods]) => [re.exec(path), name, methods] as const,
      ).find(([m]) => m);
      if (!found) return fail('NOT_FOUND', 'no such runtime endpoint');
      const [match, route, methods] = found;
      if (!methods.includes(request.method))
        return fail('METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, {
          allow: methods.join(', '),
        });
      if (route === 'healthz') return json({ ok: true });
      if (!authorized(request))
        return fail('INVALID_TOKEN', 'send the runtime secret as "Authorization: Bearer …"', {
          'www-authenticate': 'Bearer realm="latchkey-runtime"',
        });
      const id = match?.[1] as string;

      const body = async <S extends z.ZodType>(
        schema: S,
      ): Promise<{ ok: true; value: z.output<S> } | { ok: false; response: Response }> => {
        const read = await readJsonBody(request, limit);
        if (!read.ok) return { ok: false, response: fail(read.code, read.message) };
        const parsed = schema.safeParse(read.value);
        if (!parsed.success)
          return {
            ok: false,
            response: fail('INVALID_REQUEST', formatIssues(parsed.error.issues)),
          };
        return { ok: true, value: parsed.data };
      };

      switch (route) {
        case 'sessions': {
          if (request.method === 'GET') return json({ sessions: host.liveSessions() });
          const b = await body(OpenSessionRequestSchema);
          if (!b.ok) return b.response;
          return result(await host.openSession(b.value), (v) => json({ expiresAt: v.expiresAt }));
        }
        case 'offer': {
          const b = await body(OfferRequestSchema);
          if (!b.ok) return b.response;
          return result(await host.offer(id, b.value.sdp), (v) => json({ sdp: v.sdp }));
        }
        case 'session': {
          const reason = CloseReasonSchema.safeParse(
            url.searchParams.get('reason') ?? 'client_closed',
          );
          if (!reason.success) return fail('INVALID_REQUEST', `reason: unknown close reason`);
          await host.closeSession(id, reason.data);
          return empty();
        }
        case 'validate': {
          const b = await body(ValidateJobRequestSchema);
          if (!b.ok) return b.response;
          return result(await host.validateJob(b.value.model, b.value.input), empty);
        }
        case 'jobs': {
          const b = await body(RunJobRequestSchema);
          if (!b.ok) return b.response;
          const { jobId, model, token, input } = b.value;
          return result(await host.runJob({ jobId, model, token, input }), (v) => {
            return new Response(v.body as Uint8Array<ArrayBuffer>, {
              status: 200,
              headers: {
                'content-type': v.contentType,
                'x-request-id': requestId,
                'x-job-id': jobId,
                'cache-control': 'no-store',
              },
            });
          });
        }
        default:
          return fail('NOT_FOUND', 'no such runtime endpoint');
      }
    } catch (error) {
      log.error('runtime handler failed', { requestId, error: errorDetail(error) });
      return fail('INTERNAL_ERROR', ERROR_CODES.INTERNAL_ERROR.fix);
    }
  };
}
