import { endKeySessions } from '../realtime/key-sessions.js';
import { revokeKeyAndCredentials } from '../registry/registry-credentials.js';
import { type ApiKey, getApiKey, type KeyDeps, revokeApiKey } from './api-keys.js';
import type { RequestContext } from './caller.js';
import { ok, type Result } from './result.js';

export interface RevokeKeyInput {
  id: string;
  reason?: string | undefined;
  /** Also end the registry credentials the key issued. */
  cascade?: boolean | undefined;
  /** Also end, at once, the realtime sessions opened with tokens the key minted. */
  endSessions?: boolean | undefined;
  actor: string;
  ctx?: RequestContext | undefined;
}

export type RevokedKey = ApiKey & { credentialsEnded?: number; sessionsEnded?: number };

/**
 * Revokes a key, and with `cascade` its registry credentials, with `endSessions` its
 * live sessions: what `latchkey admin key revoke` and the management API both call.
 * `cascade` and `endSessions` also work on a key that is already revoked (an operator
 * who forgot the flag can run it again); without them that is a CONFLICT.
 */
export async function revokeKey(deps: KeyDeps, input: RevokeKeyInput): Promise<Result<RevokedKey>> {
  const revoked: Result<RevokedKey> = input.cascade
    ? await revokeKeyAndCredentials(deps, input)
    : await revokeApiKey(deps, input);
  if (!input.endSessions) return revoked;
  if (!revoked.ok && revoked.code !== 'CONFLICT') return revoked;
  const key: Result<RevokedKey> = revoked.ok ? revoked : await getApiKey(deps, input.id);
  if (!key.ok) return key;
  const sessionsEnded = await endKeySessions(deps, {
    keyId: input.id,
    actor: input.actor,
    ctx: input.ctx,
  });
  return ok({ ...key.value, sessionsEnded });
}
