import type { KeyObject } from 'node:crypto';
import { importPublicJwk, type JwkSet } from './signing-key.js';

/** Where a verifier finds public keys by `kid`. */
export interface KeySource {
  /** The key for `kid`, or undefined when there is none (after at most one refresh). */
  get(kid: string): Promise<KeyObject | undefined>;
}

function toMap(set: unknown): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  const keys = (set as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return map;
  for (const jwk of keys) {
    const kid = (jwk as { kid?: unknown })?.kid;
    const key = importPublicJwk(jwk);
    if (typeof kid === 'string' && key) map.set(kid, key);
  }
  return map;
}

/** A fixed key set. */
export function staticKeySource(set: JwkSet): KeySource {
  const map = toMap(set);
  return { get: async (kid) => map.get(kid) };
}

export interface RemoteKeySourceOptions {
  /** How long a fetched set is used before it is fetched again. Default 10 min. */
  maxAgeMs?: number;
  /** Least time between two refreshes caused by an unknown `kid`. Default 30 s. */
  cooldownMs?: number;
  /** Give up on a fetch after this long. Default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Keys fetched from a JWKS URL, cached, refetched when stale and when a token
 * names an unknown `kid` (at most once per cooldown, so forged kids cannot
 * turn the verifier into a request flood). Concurrent refreshes share one fetch.
 *
 * @example
 * const keys = remoteKeySource('https://auth.example.com/.well-known/jwks.json');
 */
export function remoteKeySource(
  url: string | URL,
  options: RemoteKeySourceOptions = {},
): KeySource {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new TypeError('remoteKeySource: url must be http(s)');
  }
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let keys = new Map<string, KeyObject>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    if (!inflight) {
      inflight = (async () => {
        try {
          const res = await doFetch(target, {
            headers: { accept: 'application/json' },
            signal: AbortSignal.timeout(timeoutMs),
          });
          if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`);
          keys = toMap(await res.json());
        } finally {
          fetchedAt = now();
          inflight = undefined;
        }
      })();
    }
    return inflight;
  };

  return {
    async get(kid) {
      const age = now() - fetchedAt;
      if (age > maxAgeMs) {
        await refresh().catch(() => undefined);
      } else if (!keys.has(kid) && age > cooldownMs) {
        await refresh().catch(() => undefined);
      }
      return keys.get(kid);
    },
  };
}
