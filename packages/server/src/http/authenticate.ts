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
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m) throw new HttpError('MISSING_API_KEY', 'the Authorization header must be "Bearer <key>"');
  return m[1] as string;
}

const failureLimit = (p: Platform) => {
  const perMinute = p.config.authFailuresPerIp;
  return perMinute > 0
    ? { perSecond: perMinute / FAILURE_WINDOW_SECONDS, burst: perMinute }
    : undefined;
};

/** Refuses at once a client IP that has used up its failed-authentication budget. */
export async function checkFailureGate(c: Context<AppEnv>, p: Platform): Promise<void> {
  const limit = failureLimit(p);
  if (!limit) return;
  const gate = await p.limiter.peek(`authfail:${c.get('ip')}`, limit);
  if (!gate.allowed) {
    p.metrics.authFailures.inc({ code: 'RATE_LIMITED' });
    throw new HttpError('RATE_LIMITED', 'too many failed authentications from this address', {
      'Retry-After': String(gate.retryAfter),
    });
  }
}

/**
 * Records a refused authentication — metrics, the IP's failure budget, an audit
 * row naming the credential by its display form only — and throws the refusal.
 */
export async function refuseAuth(
  c: Context<AppEnv>,
  p: Platform,
  failure: HttpError,
  who: { display: string | null; orgId?: string | undefined; keyId?: string | undefined },
): Promise<never> {
  p.metrics.authFailures.inc({ code: failure.code });
  const limit = failureLimit(p);
  if (limit) await p.limiter.take(`authfail:${c.get('ip')}`, limit);
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
  await checkFailureGate(c, p);
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
