import { bearerToken } from '@latchkey/core';
import type { Context } from 'hono';
import { ownerRef } from '../realtime/owner-ref.js';
import type { Caller } from '../services/caller.js';
import { authenticateKey, refuseAuth } from './authenticate.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

const KEY_SHAPED = /^r[kp]_/;

/**
 * Authenticates an app key or a session token. A token is verified offline against
 * the platform's own signing keys, exactly as a model host would; refusals are
 * audited and count against the client IP's failure budget, like a bad key.
 * Partner keys are refused: these routes are for apps.
 */
export async function authenticateCaller(c: Context<AppEnv>, p: Platform): Promise<Caller> {
  const bearer = bearerToken(c.req.header('authorization'));
  if (bearer === undefined || KEY_SHAPED.test(bearer) || c.req.header('x-api-key') !== undefined) {
    const key = await authenticateKey(c, p);
    if (key.kind !== 'app')
      throw new HttpError(
        'WRONG_KEY_KIND',
        'sessions and jobs take an app key (rk_) or a session token; this is a partner key (rp_)',
      );
    return { kind: 'key', orgId: key.orgId, keyId: key.id, key };
  }
  const verified = await p.verifyToken(bearer);
  if (!verified.ok)
    return refuseAuth(
      c,
      p,
      new HttpError(
        verified.code,
        verified.code === 'TOKEN_EXPIRED'
          ? 'the session token has expired'
          : `the session token was refused: ${verified.message}`,
      ),
      { display: 'session-token' },
    );
  const { claims, grant } = verified;
  return {
    kind: 'token',
    orgId: claims.sub,
    keyId: claims.key,
    token: bearer,
    claims,
    grant,
    ownerRef: ownerRef(claims.key, grant.metadata),
  };
}
