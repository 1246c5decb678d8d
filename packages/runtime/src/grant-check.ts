import { grantRefusal, type SessionClaims, type SessionGrant } from '@latchkey/core';
import type { HostResult, TokenVerifier } from '@latchkey/core/node';

export interface Caller {
  claims: SessionClaims;
  grant: SessionGrant;
}

/** The runtime's own check of a caller's token: signature, issuer, audience, expiry. */
export async function verifyCaller(
  verify: TokenVerifier,
  token: unknown,
): Promise<HostResult<Caller>> {
  try {
    const verified = await verify(typeof token === 'string' ? token : '');
    if (!verified.ok) return { ok: false, code: verified.code, message: verified.message };
    return { ok: true, value: { claims: verified.claims, grant: verified.grant } };
  } catch {
    // A key source that cannot be reached is the runtime's trouble, not a bad token.
    return { ok: false, code: 'UNAVAILABLE', message: 'the token could not be checked; retry' };
  }
}

/**
 * Does the grant allow `model` (MODEL_NOT_ALLOWED) from `origin` (ORIGIN_NOT_ALLOWED)?
 * The rules are core's, the same the coordinator applies; jobs pass `undefined` to
 * skip the origin check.
 */
export function checkGrant(
  grant: SessionGrant,
  model: string,
  origin: string | null | undefined,
): HostResult<void> {
  const refusal = grantRefusal(grant, model, origin);
  return refusal ? { ok: false, ...refusal } : { ok: true, value: undefined };
}
