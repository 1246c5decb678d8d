import { readCappedBody } from '@latchkey/core';
import { readEnv } from '../environment.js';
import {
  checkApiKey,
  checkFunction,
  checkNumber,
  checkOptionsObject,
  fail,
  platformBaseUrl,
  resolveFetch,
} from '../options.js';
import {
  copyHeaders,
  END_USER,
  headerList,
  SAFE_REQUEST_HEADERS,
  SAFE_RESPONSE_HEADERS,
} from './proxy-headers.js';
import {
  checkPath,
  checkQuery,
  compileRoute,
  DEFAULT_PROXY_ALLOW,
  matchRoute,
  type ProxyRoute,
} from './proxy-routes.js';
import { defaultOnError, errorResponse, type WebHandler } from './respond.js';

/** What `authorize` is told about the call it decides on. */
export interface ProxyOperation {
  method: string;
  /** The platform path, e.g. `/v1/jobs/job_123`. */
  path: string;
  /** The allow-list entry it matched, e.g. `GET /v1/jobs/{id}`. */
  route: string;
  params: Record<string, string>;
}

/**
 * `true` (or an object) lets the call through; `null`, `undefined` or `false` answers
 * 401. `endUser` is sent to the platform as `Latchkey-End-User`, to tie the call to
 * your user in its records.
 */
export type ProxyDecision = boolean | null | undefined | { endUser?: string | undefined };

export interface ProxyHandlerOptions {
  /** Decides per request, from your own session; see ProxyDecision. */
  authorize(request: Request, operation: ProxyOperation): ProxyDecision | Promise<ProxyDecision>;
  /** Defaults to `LATCHKEY_API_KEY`. It is sent to `baseUrl` and nowhere else. */
  apiKey?: string | undefined;
  /** The platform. Defaults to `LATCHKEY_BASE_URL`, then `http://127.0.0.1:8787`. */
  baseUrl?: string | undefined;
  /**
   * Where the handler is mounted, e.g. `/api/latchkey`: a request for
   * `/api/latchkey/v1/jobs/x` becomes `GET {baseUrl}/v1/jobs/x`. Default: the root.
   */
  basePath?: string | undefined;
  /** Operations to forward, as `"METHOD /path/{param}"`. Default: DEFAULT_PROXY_ALLOW (batch jobs). */
  allow?: readonly string[] | undefined;
  /** Largest request body forwarded, in bytes (default 1 MiB). */
  maxBodyBytes?: number | undefined;
  /** More request headers to forward, beyond the safe defaults. Credentials and hop-by-hop headers are refused. */
  requestHeaders?: readonly string[] | undefined;
  /** More response headers to pass back, beyond the safe defaults. Set-Cookie and hop-by-hop headers are refused. */
  responseHeaders?: readonly string[] | undefined;
  /** How long to wait for the platform's response headers, in ms (default 30 000); bodies stream without limit. */
  timeoutMs?: number | undefined;
  onError?: ((error: unknown, request: Request) => void) | undefined;
  fetch?: typeof fetch | undefined;
}

const OPTION_NAMES = [
  'authorize',
  'apiKey',
  'baseUrl',
  'basePath',
  'allow',
  'maxBodyBytes',
  'requestHeaders',
  'responseHeaders',
  'timeoutMs',
  'onError',
  'fetch',
] as const;

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}
class UpstreamTimeout extends Error {}

/** Reads at most `limit` bytes of the body (core's reader); undefined when there is none. */
async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const read = await readCappedBody(request, limit);
  if (!read.ok) throw new BodyTooLarge();
  return read.bytes.byteLength === 0 ? undefined : read.bytes;
}

/**
 * A proxy route on your backend for the platform operations a browser may do
 * (the batch-job endpoints by default), adding your API key on the way. It forwards
 * nothing else: not token minting, not key management, not another host. Paths
 * must be plain (`/v1/jobs/job_123`): absolute URLs, `//host`, backslashes, `..`,
 * percent-encoding (single or double), `@`, whitespace and control characters are
 * refused before anything is sent. Only safe headers cross, either way; bodies are
 * size-limited going up and streamed coming down.
 *
 * @example
 * // app/api/latchkey/[...path]/route.ts (Next.js)
 * const handler = createProxyHandler({
 *   basePath: '/api/latchkey',
 *   authorize: async (request) => {
 *     const user = await getUser(request);
 *     return user ? { endUser: user.id } : null;
 *   },
 * });
 * export { handler as GET, handler as POST };
 */
export function createProxyHandler(options: ProxyHandlerOptions): WebHandler {
  const where = 'createProxyHandler';
  const o = checkOptionsObject(where, options, OPTION_NAMES);
  if (o.authorize === undefined)
    fail(
      where,
      'authorize is required: a function that returns true (or { endUser }) for a signed-in user, or null',
    );
  const authorize = checkFunction<ProxyHandlerOptions['authorize']>(
    where,
    'authorize',
    o.authorize,
  );
  const apiKey = o.apiKey ?? readEnv('LATCHKEY_API_KEY');
  if (apiKey === undefined) fail(where, 'apiKey is required: pass it or set LATCHKEY_API_KEY');
  checkApiKey(where, o.apiKey === undefined ? 'apiKey (from LATCHKEY_API_KEY)' : 'apiKey', apiKey);
  const base = new URL(platformBaseUrl(where, o.baseUrl));
  const basePathOut = base.pathname.replace(/\/+$/, '');
  // Refusals link to the platform's own error-code page, as its envelopes do.
  const refuse: typeof errorResponse = (code, message, init = {}) =>
    errorResponse(code, message, { docsBase: `${base.origin}${basePathOut}`, ...init });
  let basePath = '';
  if (o.basePath !== undefined) {
    if (typeof o.basePath !== 'string')
      fail(where, 'basePath must be a string such as "/api/latchkey"');
    basePath = o.basePath.replace(/\/+$/, '');
    if (basePath !== '' && checkPath(basePath) !== undefined)
      fail(where, 'basePath must be a plain path such as "/api/latchkey"');
  }
  const allowInput = o.allow ?? DEFAULT_PROXY_ALLOW;
  if (!Array.isArray(allowInput))
    fail(where, 'allow must be an array such as ["GET /v1/jobs/{id}"]');
  const routes: ProxyRoute[] = allowInput.map((entry) => {
    const r = compileRoute(entry);
    if (typeof r === 'string') fail(where, `allow: ${r}`);
    return r;
  });
  const maxBodyBytes =
    o.maxBodyBytes === undefined
      ? DEFAULT_MAX_BODY_BYTES
      : checkNumber(where, 'maxBodyBytes', o.maxBodyBytes, 0, 1024 * 1024 * 1024, true);
  const timeoutMs =
    o.timeoutMs === undefined
      ? 30_000
      : checkNumber(where, 'timeoutMs', o.timeoutMs, 1, 2_147_483_647, false);
  const requestHeaders = headerList(
    where,
    'requestHeaders',
    o.requestHeaders,
    SAFE_REQUEST_HEADERS,
  );
  const responseHeaders = headerList(
    where,
    'responseHeaders',
    o.responseHeaders,
    SAFE_RESPONSE_HEADERS,
  );
  const onError =
    o.onError === undefined
      ? defaultOnError('proxy')
      : checkFunction<NonNullable<ProxyHandlerOptions['onError']>>(where, 'onError', o.onError);
  const fetchImpl = resolveFetch(where, o.fetch);
  const allowed = routes.map((r) => `${r.method} ${r.template}`).join(', ');

  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse('INVALID_REQUEST', 'the request URL cannot be read');
    }
    if (url.hash !== '')
      return refuse('INVALID_REQUEST', 'the request URL must not have a fragment');
    const full = url.pathname;
    if (basePath !== '' && !full.startsWith(`${basePath}/`))
      return refuse('NOT_FOUND', `this proxy serves only paths under ${basePath}/`);
    const path = full.slice(basePath.length);
    const pathProblem = checkPath(path);
    if (pathProblem) return refuse('INVALID_REQUEST', pathProblem);
    const queryProblem = checkQuery(url.search);
    if (queryProblem) return refuse('INVALID_REQUEST', queryProblem);
    const { matched, allowedMethods } = matchRoute(routes, request.method, path);
    if (!matched) {
      if (allowedMethods && allowedMethods.length > 0)
        return refuse('METHOD_NOT_ALLOWED', `${request.method} is not forwarded for this path`, {
          headers: { allow: allowedMethods.join(', ') },
        });
      return refuse(
        'NOT_FOUND',
        `the proxy does not forward ${request.method} ${path.slice(0, 100)}; it forwards only ${allowed || 'nothing (allow is empty)'}`,
      );
    }
    const operation: ProxyOperation = {
      method: request.method,
      path,
      route: `${matched.route.method} ${matched.route.template}`,
      params: matched.params,
    };

    let decision: ProxyDecision;
    try {
      decision = await authorize(request, operation);
    } catch (error) {
      onError(error, request);
      return refuse('INTERNAL_ERROR', 'the proxy failed while authorizing; see the server log');
    }
    if (decision === null || decision === undefined || decision === false)
      return refuse(
        'UNAUTHORIZED',
        'this request is not signed in to the app, or may not make this call',
      );
    let endUser: string | undefined;
    if (typeof decision === 'object') {
      endUser = decision.endUser;
      if (endUser !== undefined && (typeof endUser !== 'string' || !END_USER.test(endUser))) {
        onError(
          new TypeError('authorize(): endUser must be 1–128 characters of A-Z a-z 0-9 . _ : @ -'),
          request,
        );
        return refuse('INTERNAL_ERROR', 'the proxy failed while authorizing; see the server log');
      }
    }

    let body: Uint8Array<ArrayBuffer> | undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      try {
        body = await readBody(request, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return refuse('PAYLOAD_TOO_LARGE', `the request body is over ${maxBodyBytes} bytes`);
        return refuse('INVALID_REQUEST', 'the request body could not be read');
      }
    } else if (
      request.headers.has('content-length') &&
      request.headers.get('content-length') !== '0'
    ) {
      return refuse('INVALID_REQUEST', `${request.method} requests carry no body`);
    }

    // Built from the fixed base and the checked path only; checked once more before use.
    const upstream = new URL(`${base.origin}${basePathOut}${path}${url.search}`);
    if (upstream.origin !== base.origin || upstream.pathname !== `${basePathOut}${path}`) {
      onError(
        new Error(`proxy: refused an upstream URL that left the platform: ${upstream.origin}`),
        request,
      );
      return refuse('INVALID_REQUEST', 'the path cannot be forwarded');
    }
    const headers = copyHeaders(request.headers, requestHeaders);
    headers.set('authorization', `Bearer ${apiKey}`);
    if (endUser !== undefined) headers.set('latchkey-end-user', endUser);

    const controller = new AbortController();
    const onClientGone = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) return refuse('INVALID_REQUEST', 'the client went away');
    request.signal.addEventListener('abort', onClientGone, { once: true });
    const timer = setTimeout(() => controller.abort(new UpstreamTimeout()), timeoutMs);
    let res: Response;
    try {
      res = await fetchImpl(upstream.href, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (error) {
      request.signal.removeEventListener('abort', onClientGone);
      const timedOut = controller.signal.reason instanceof UpstreamTimeout;
      onError(error, request);
      return refuse(
        'UNAVAILABLE',
        timedOut
          ? `the platform did not answer within ${timeoutMs} ms`
          : 'the platform could not be reached',
        { headers: { 'retry-after': '1' } },
      );
    } finally {
      clearTimeout(timer);
    }
    const outHeaders = copyHeaders(res.headers, responseHeaders);
    if (!outHeaders.has('cache-control')) outHeaders.set('cache-control', 'private, no-store');
    outHeaders.set('x-content-type-options', 'nosniff');
    const status = res.status >= 200 && res.status <= 599 ? res.status : 502;
    const nullBody = request.method === 'HEAD' || status === 204 || status === 304;
    if (nullBody) await res.body?.cancel().catch(() => undefined);
    // The body streams through; the client going away cancels the upstream read.
    return new Response(nullBody ? null : res.body, {
      status,
      statusText: res.statusText,
      headers: outHeaders,
    });
  };
}
