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

/**
 * Authenticates the key on a request. Refusals are audited (display form only,
 * never the secret) and count against the client IP's failed-auth limit.
 */
export async function authenticateKey(c: Context<AppEnv>, p: Platform): Promise<AuthedKey> {
  const ip = c.get('ip');
  const perMinute = p.config.authFailuresPerIp;
  const limit = { perSecond: perMinute / FAILURE_WINDOW_SECONDS, burst: perMinute };
  if (perMinute > 0) {
    const gate = await p.limiter.peek(`authfail:${ip}`, limit);
    if (!gate.allowed) {
      p.metrics.authFailures.inc({ code: 'RATE_LIMITED' });
      throw new HttpError('RATE_LIMITED', 'too many failed authentications from this address', {
        'Retry-After': String(gate.retryAfter),
      });
    }
  }
  let failure: {
    code: HttpError['code'];
    message: string;
    display: string | null;
    orgId?: string;
    keyId?: string;
  };
  try {
    const secret = presentedKey(c);
    const result = await p.keys.authenticate(secret);
    if (result.ok) return result.value;
    failure = {
      code: result.code,
      message: result.message,
      display:
        /^r[kp]_/.test(secret) && secret.length > 8
          ? `${secret.slice(0, 3)}…${secret.slice(-4)}`
          : null,
      ...(result.subject ?? {}),
    };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    failure = { code: error.code, message: error.message, display: null };
  }
  p.metrics.authFailures.inc({ code: failure.code });
  if (perMinute > 0) await p.limiter.take(`authfail:${ip}`, limit);
  void p.audit
    .write({
      orgId: failure.orgId ?? null,
      action: 'auth.failed',
      actor: failure.display ?? 'anonymous',
      target: failure.keyId ?? null,
      outcome: failure.code,
      ip,
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.get('requestId'),
      data: { path: c.req.path },
    })
    .catch((error) => p.log.warn('audit write failed', { error: String(error) }));
  throw new HttpError(failure.code, failure.message);
}
