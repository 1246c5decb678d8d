import {
  grantFor,
  MAX_TOKEN_SECONDS,
  newId,
  type SessionClaims,
  type SessionGrant,
} from '@latchkey/core';
import { signSessionToken } from '@latchkey/core/node';
import type { Clock } from './clock.js';
import type { AuthedKey } from './key-auth.js';
import type { SigningKeys } from './signing-keys.js';

export interface MintRequest {
  expiresIn?: number | undefined;
  models?: string[] | undefined;
  maxSessions?: number | undefined;
  origins?: string[] | undefined;
  maxSessionSeconds?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface MintedToken {
  token: string;
  tokenId: string;
  expiresAt: string;
  claims: SessionClaims;
}

/** Builds and signs a session token for an authenticated app key. */
export function mintToken(
  deps: { clock: Clock; signingKeys: SigningKeys; issuer: string; audience: string },
  key: AuthedKey,
  req: MintRequest,
): MintedToken {
  const now = Math.floor(deps.clock.now() / 1000);
  let exp = now + Math.min(req.expiresIn ?? MAX_TOKEN_SECONDS, MAX_TOKEN_SECONDS);
  // A token never outlives the key that minted it.
  if (key.expiresAt !== null) exp = Math.min(exp, Math.floor(key.expiresAt / 1000));
  const grant: SessionGrant = grantFor(req);
  const claims: SessionClaims = {
    iss: deps.issuer,
    aud: deps.audience,
    sub: key.orgId,
    jti: newId('tok', deps.clock.now()),
    iat: now,
    nbf: now,
    exp,
    key: key.id,
    grant,
  };
  return {
    token: signSessionToken(claims, deps.signingKeys.active()),
    tokenId: claims.jti,
    expiresAt: new Date(exp * 1000).toISOString(),
    claims,
  };
}
