import { buildClient } from '../create-client.js';
import { readEnv } from '../environment.js';
import { LatchkeyError } from '../errors.js';
import { checkApiKey, checkFunction, checkOptionsObject, fail } from '../options.js';
import { checkGrant, type TokenGrant } from '../tokens.js';
import { defaultOnError, errorResponse, type WebHandler } from './respond.js';

export interface TokenHandlerOptions {
  /**
   * Decides per request. Read your own session (cookie, header) from `request` and
   * return the grant for this user (models, metadata such as the user id, expiry),
   * or `null` to answer 401 UNAUTHORIZED. The browser never chooses the grant.
   */
  authorize(
    request: Request,
  ): TokenGrant | null | undefined | Promise<TokenGrant | null | undefined>;
  /** An app key (`rk_…`). Defaults to `LATCHKEY_API_KEY`. */
  apiKey?: string | undefined;
  /** The platform's URL. Defaults to `LATCHKEY_BASE_URL`, then `http://127.0.0.1:8787`. */
  baseUrl?: string | undefined;
  /**
   * Let the browser's own cache reuse a token: `Cache-Control: private, max-age` of
   * the token's life less two minutes, and `Vary: Cookie, Authorization`. Only GET
   * responses are cached, so fetch the route with GET. Default: `private, no-store`.
   */
  cache?: boolean | undefined;
  /** Where failures are reported (default: one line on console.error, no secrets). */
  onError?: ((error: unknown, request: Request) => void) | undefined;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
}

const OPTION_NAMES = [
  'authorize',
  'apiKey',
  'baseUrl',
  'cache',
  'onError',
  'fetch',
  'timeoutMs',
  'maxRetries',
] as const;

/** A cached token leaves the browser's cache this long before it expires. */
const CACHE_MARGIN_SECONDS = 120;

/**
 * Your backend's token route: a Web-standard `(Request) => Promise<Response>` that
 * mints a short-lived session token for the user your `authorize` accepts. Answers
 * `{ token, tokenId, expiresAt }`; GET and POST; `Cache-Control: private, no-store`.
 *
 * @example
 * // app/api/latchkey/token/route.ts (Next.js)
 * const handler = createTokenHandler({
 *   authorize: async (request) => {
 *     const user = await getUser(request); // your session
 *     return user ? { models: ['echo'], expiresIn: 600, metadata: { userId: user.id } } : null;
 *   },
 * });
 * export { handler as GET, handler as POST };
 *
 * @example
 * // node:http or Express
 * app.all('/api/latchkey/token', toNodeHandler(handler));
 */
export function createTokenHandler(options: TokenHandlerOptions): WebHandler {
  const where = 'createTokenHandler';
  const o = checkOptionsObject(where, options, OPTION_NAMES);
  if (o.authorize === undefined)
    fail(
      where,
      'authorize is required: a function that reads your session from the request and returns the grant for this user, or null',
    );
  const authorize = checkFunction<TokenHandlerOptions['authorize']>(
    where,
    'authorize',
    o.authorize,
  );
  if (o.cache !== undefined && typeof o.cache !== 'boolean') fail(where, 'cache must be a boolean');
  const onError =
    o.onError === undefined
      ? defaultOnError('token route')
      : checkFunction<NonNullable<TokenHandlerOptions['onError']>>(where, 'onError', o.onError);
  const apiKey = o.apiKey ?? readEnv('LATCHKEY_API_KEY');
  if (apiKey === undefined) fail(where, 'apiKey is required: pass it or set LATCHKEY_API_KEY');
  if (
    checkApiKey(
      where,
      o.apiKey === undefined ? 'apiKey (from LATCHKEY_API_KEY)' : 'apiKey',
      apiKey,
    ) !== 'app'
  )
    fail(where, 'apiKey is a partner key (rp_); only app keys (rk_) mint session tokens');
  const client = buildClient(
    {
      apiKey,
      baseUrl: o.baseUrl,
      fetch: o.fetch,
      timeoutMs: o.timeoutMs,
      maxRetries: o.maxRetries,
    },
    { where },
  );
  const cache = o.cache === true;
  // Refusals link to the platform's own error-code page, as its envelopes do.
  const refuse: typeof errorResponse = (code, message, init = {}) =>
    errorResponse(code, message, { docsBase: client.baseUrl, ...init });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'POST')
      return refuse(
        'METHOD_NOT_ALLOWED',
        `${request.method} is not allowed on the token route; use POST or GET`,
        {
          headers: { allow: 'GET, POST' },
        },
      );
    let grant: TokenGrant;
    try {
      const decided = await authorize(request);
      if (decided === null || decided === undefined || (decided as unknown) === false)
        return refuse(
          'UNAUTHORIZED',
          'this request is not signed in to the app, or the app gives it no session token',
        );
      grant = checkGrant('authorize() result', decided);
    } catch (error) {
      onError(error, request);
      return refuse(
        'INTERNAL_ERROR',
        'the token route failed while authorizing; see the server log',
      );
    }
    try {
      const minted = await client.tokens.create(grant, { signal: request.signal });
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
      };
      if (cache) {
        const life = Math.floor((Date.parse(minted.expiresAt) - Date.now()) / 1000);
        const maxAge = life - CACHE_MARGIN_SECONDS;
        if (maxAge >= 60) {
          headers['cache-control'] = `private, max-age=${maxAge}`;
          headers.vary = 'Cookie, Authorization';
        }
      }
      return new Response(JSON.stringify(minted), { status: 200, headers });
    } catch (error) {
      if (request.signal.aborted) throw error;
      onError(error, request);
      const e = error instanceof LatchkeyError ? error : undefined;
      if (e?.code === 'RATE_LIMITED')
        return refuse('RATE_LIMITED', 'too many session tokens requested; retry shortly', {
          headers: { 'retry-after': String(e.retryAfter ?? 1) },
          requestId: e.requestId,
        });
      if (e?.code === 'UNAVAILABLE' || e?.code === 'NETWORK_ERROR' || e?.code === 'TIMEOUT')
        return refuse('UNAVAILABLE', 'the token service is unavailable; retry shortly', {
          headers: { 'retry-after': '1' },
          requestId: e.requestId,
        });
      // Key and grant problems are the app's to fix, not the user's: opaque here, detail in onError.
      return refuse(
        'INTERNAL_ERROR',
        'the token route could not mint a session token; see the server log',
        {
          requestId: e?.requestId,
        },
      );
    }
  };
}
