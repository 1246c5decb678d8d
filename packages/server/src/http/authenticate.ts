import { bearerToken } from '@latchkey/core';
import type { Context } from 'hono';
import type { AuthedKey } from '../services/key-auth.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

const FAILURE_WINDOW_SECONDS = 60;

function presentedKey(c: Context<AppEnv>): string {
  const auth = c.req.header('authorization');
  const xkey = c.req.header('x-api-key');
  if (auth !== undefined && xkey !== undefined) {
    throw new HttpError(
      'INVALID_REQUEST',
      'send the key in one header only: Authorization or X-API-Key, not both',
    );
  }
  if (xkey !== undefined) return xkey.trim();
  if (auth === undefined) {
    throw new HttpError(
      'MISSING_API_KEY',
      'no API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
    );
  }
  const key = bearerToken(auth);
  if (key === undefined)
    throw new HttpError('MISSING_API_KEY', 'the Authorization header must be "Bearer <key>"');
  return key;
}

const failureLimit = (p: Platform) => {
  const perMinute = p.config.authFailuresPerIp;
  return perMinute > 0
    ? { perSecond: perMinute / FAILURE_WINDOW_SECONDS, burst: perMinute }
    : undefined;
};

/**
 * Records a refused authentication — metrics, the IP's failed-auth budget, an audit
 * row naming the credential by its display form only — and throws the refusal; once
 * the IP has spent its budget the refusal is 429 instead, not audited row by row.
 * Only failures meet this gate: a credential that verifies is never refused for its
 * address's failures (behind a proxy without trust settings every client shares one
 * address, and one guesser must not lock everyone out; keys carry 190 random bits).
 */
export async function refuseAuth(
  c: Context<AppEnv>,
  p: Platform,
  failure: HttpError,
  who: { display: string | null; orgId?: string | undefined; keyId?: string | undefined },
): Promise<never> {
  const limit = failureLimit(p);
  if (limit) {
    const budget = await p.limiter.take(`authfail:${c.get('ip')}`, limit);
    if (!budget.allowed) {
      p.metrics.authFailures.inc({ code: 'RATE_LIMITED' });
      throw new HttpError('RATE_LIMITED', 'too many failed authentications from this address', {
        'Retry-After': String(budget.retryAfter),
      });
    }
  }
  p.metrics.authFailures.inc({ code: failure.code });
  void p.audit
    .write({
      orgId: who.orgId ?? null,
      action: 'auth.failed',
      actor: who.display ?? 'anonymous',
      target: who.keyId ?? null,
      outcome: failure.code,
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.get('requestId'),
      data: { path: c.req.path },
    })
    .catch((error) => p.log.warn('audit write failed', { error: String(error) }));
  throw failure;
}

/** `rk_…abcd`: what of a presented secret may be shown. */
export const shownSecret = (secret: string): string | null =>
  /^r[kpct]_/.test(secret) && secret.length > 8
    ? `${secret.slice(0, 3)}…${secret.slice(-4)}`
    : null;

/**
 * Authenticates the key on a request. Refusals are audited (display form only,
 * never the secret) and count against the client IP's failed-auth limit.
 */
export async function authenticateKey(c: Context<AppEnv>, p: Platform): Promise<AuthedKey> {
  let secret: string;
  try {
    secret = presentedKey(c);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return refuseAuth(c, p, error, { display: null });
  }
  const result = await p.keys.authenticate(secret);
  if (result.ok) return result.value;
  return refuseAuth(c, p, HttpError.from(result), {
    display: shownSecret(secret),
    ...(result.subject ?? {}),
  });
}
