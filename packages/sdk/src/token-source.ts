/**
 * Where a client gets its session token: the token itself, or a function your app
 * provides that fetches one (usually from your backend's token route).
 */
export type TokenResolver = () => string | Promise<string>;

export interface TokenSource {
  /** The token to send now: cached while it has life left, else freshly resolved. */
  get(): Promise<string>;
  /**
   * Forgets `token` (if it is the cached one) so the next `get` resolves anew: for
   * callers the platform told the token was refused (the realtime client, later).
   */
  invalidate(token: string): void;
}

/** Seconds before `exp` at which a cached token is replaced (at most half its life). */
export const REFRESH_MARGIN_SECONDS = 60;

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** `exp` and `iat` from a JWT's payload, unverified (the platform verifies; we only schedule). */
export function readTokenTimes(
  token: string,
): { exp: number; iat: number | undefined } | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return undefined;
    return { exp: claims.exp, iat: typeof claims.iat === 'number' ? claims.iat : undefined };
  } catch {
    return undefined;
  }
}

/** Problems with a token string, or undefined when it can be sent. */
export function tokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string')
    return `expected the token string, got ${token === null ? 'null' : typeof token}${
      typeof token === 'object' ? ' (return `body.token`, not the whole response)' : ''
    }`;
  if (token === '') return 'the token is empty';
  if (/^r[kp]_/.test(token))
    return 'this is an API key, not a session token: keep keys on your server and pass them as apiKey there';
  if (!/^[\x21-\x7e]+$/.test(token))
    return 'the token has spaces or characters a header cannot carry';
  if (token.length > 8192) return 'the token is over 8192 characters';
  return undefined;
}

/**
 * Caches the resolver's token until `REFRESH_MARGIN_SECONDS` before its `exp`
 * (or half its life, for short tokens). Concurrent callers share one resolve.
 * A token without a readable `exp` is not cached: the resolver is asked every time.
 */
export function createTokenSource(
  token: string | TokenResolver,
  now: () => number = () => Date.now(),
): TokenSource {
  if (typeof token === 'string') {
    return { get: async () => token, invalidate: () => undefined };
  }
  let cached: { token: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  const resolve = async (): Promise<string> => {
    const value = await token();
    const problem = tokenProblem(value);
    if (problem) throw new TypeError(`token resolver: ${problem}`);
    const times = readTokenTimes(value);
    if (times) {
      const life = times.exp - (times.iat ?? times.exp - 2 * REFRESH_MARGIN_SECONDS);
      const margin = Math.min(REFRESH_MARGIN_SECONDS, Math.max(0, life) / 2);
      cached = { token: value, refreshAt: (times.exp - margin) * 1000 };
    } else {
      cached = undefined;
    }
    return value;
  };

  return {
    get() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inflight ??= resolve().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(t) {
      if (cached?.token === t) cached = undefined;
    },
  };
}
