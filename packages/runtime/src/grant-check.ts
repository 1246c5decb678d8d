import type { SessionClaims, SessionGrant } from '@latchkey/core';
import type { TokenVerifier } from '@latchkey/core/node';
import type { HostResult } from './runtime-host.js';

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
 * When the grant lists origins a missing origin is not allowed; jobs pass `undefined`
 * to skip the origin check.
 */
export function checkGrant(
  grant: SessionGrant,
  model: string,
  origin: string | null | undefined,
): HostResult<void> {
  if (!grant.models.includes('*') && !grant.models.includes(model))
    return {
      ok: false,
      code: 'MODEL_NOT_ALLOWED',
      message: `this token's grant does not include the model "${model}"`,
    };
  if (origin === undefined || grant.origins.length === 0) return { ok: true, value: undefined };
  if (origin === null)
    return {
      ok: false,
      code: 'ORIGIN_NOT_ALLOWED',
      message: "the request has no Origin and this token's grant lists origins",
    };
  if (!grant.origins.includes(origin))
    return {
      ok: false,
      code: 'ORIGIN_NOT_ALLOWED',
      message: `the origin ${JSON.stringify(origin.slice(0, 200))} is not in this token's grant`,
    };
  return { ok: true, value: undefined };
}
