import type { KeyObject } from 'node:crypto';
import {
  createVerifier,
  importPublicJwk,
  type KeySource,
  type TokenVerifier,
} from '@latchkey/core/node';
import type { Clock } from './clock.js';
import type { SigningKeys } from './signing-keys.js';

/** The platform's own public keys, straight from memory (no HTTP to itself). */
export function signingKeySource(signingKeys: SigningKeys): KeySource {
  const cache = new Map<string, KeyObject>();
  return {
    async get(kid) {
      const hit = cache.get(kid);
      if (hit) return hit;
      const jwk = signingKeys.jwks().keys.find((k) => k.kid === kid);
      const key = jwk ? importPublicJwk(jwk) : undefined;
      if (key) cache.set(kid, key);
      return key;
    },
  };
}

/**
 * Verifies session tokens this platform minted, with the core verifier: the same
 * checks a model host makes offline.
 */
export function createLocalVerifier(deps: {
  signingKeys: SigningKeys;
  issuer: string;
  audience: string;
  clock: Clock;
}): TokenVerifier {
  return createVerifier({
    jwks: signingKeySource(deps.signingKeys),
    issuer: deps.issuer,
    audience: deps.audience,
    now: () => Math.floor(deps.clock.now() / 1000),
  });
}
