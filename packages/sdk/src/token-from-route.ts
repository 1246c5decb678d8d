import { isBrowser } from './environment.js';
import { LatchkeyError } from './errors.js';
import { checkNumber, checkOptionsObject, fail, resolveFetch } from './options.js';
import type { TokenResolver } from './token-source.js';
import { isCreatedToken } from './tokens.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, send, type Transport } from './transport.js';

export interface TokenRouteOptions {
  /** `POST` (default) or `GET` (use GET when the route sets `cache: true`). */
  method?: 'GET' | 'POST' | undefined;
  /** Extra headers, e.g. a CSRF token your backend checks. */
  headers?: Record<string, string> | undefined;
  /** Cookie policy; the browser default (`same-origin`) suits a route on the page's own origin. */
  credentials?: RequestCredentials | undefined;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
}

const OPTION_NAMES = [
  'method',
  'headers',
  'credentials',
  'fetch',
  'timeoutMs',
  'maxRetries',
] as const;

/**
 * A token resolver that asks your backend's token route (`createTokenHandler`) for a
 * session token, sending the page's cookies so your `authorize` sees the signed-in user.
 * A refusal rejects with a LatchkeyError: `UNAUTHORIZED` when your app said no.
 *
 * @example
 * const latchkey = createClient({ token: tokenFromRoute('/api/latchkey/token') });
 */
export function tokenFromRoute(url: string, options?: TokenRouteOptions): TokenResolver {
  const where = 'tokenFromRoute';
  const o = checkOptionsObject(where, options, OPTION_NAMES);
  if (typeof url !== 'string' || url === '')
    fail(where, 'url must be the URL or path of your token route');
  let target: URL;
  try {
    const page = isBrowser()
      ? (globalThis as { location?: { href?: string } }).location?.href
      : undefined;
    target = page !== undefined ? new URL(url, page) : new URL(url);
  } catch {
    fail(where, `url must be absolute outside a browser (got "${url.slice(0, 100)}")`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    fail(where, 'url must use http: or https:');
  const method = o.method ?? 'POST';
  if (method !== 'GET' && method !== 'POST') fail(where, 'method must be "GET" or "POST"');
  const headers = o.headers as Record<string, string> | undefined;
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null) fail(where, 'headers must be an object');
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v !== 'string') fail(where, `headers.${k} must be a string`);
      if (k.toLowerCase() === 'authorization') fail(where, 'headers must not set authorization');
    }
  }
  const transport: Transport = {
    fetch: resolveFetch(where, o.fetch),
    timeoutMs:
      o.timeoutMs === undefined
        ? DEFAULT_TIMEOUT_MS
        : checkNumber(where, 'timeoutMs', o.timeoutMs, 1, 2_147_483_647, false),
    maxRetries:
      o.maxRetries === undefined
        ? DEFAULT_MAX_RETRIES
        : checkNumber(where, 'maxRetries', o.maxRetries, 0, 10, true),
    authorization: async () => undefined,
  };
  const href = target.href;
  const peer = `your token route ${href}`;
  return async () => {
    const body = await send<unknown>(transport, {
      method,
      url: href,
      idempotent: false,
      retryOn: [429, 503],
      peer,
      credentials: o.credentials as RequestCredentials | undefined,
      headers,
    });
    if (!isCreatedToken(body))
      throw new LatchkeyError(
        'INTERNAL_ERROR',
        `${peer} answered without a token ({"token": "…"}). Serve it with createTokenHandler from '@latchkey/sdk/server'.`,
      );
    return body.token;
  };
}
