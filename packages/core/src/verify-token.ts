// Hand-written on purpose, not jose: model hosts verify every session token offline and
// this is their hot path. bench/results/tokens.md ("Offline verifier", 2026-12-03):
// createVerifier ran 10,785 verifications/s against 12,385 for a bare node:crypto Ed25519
// verify of the same pre-decoded token, 0.87 of raw (rounds 0.88, 0.87, 0.87; the run
// before, on a slower machine state, 0.94: the verifier's own work is ~10-12 µs a token).
// bench/jwt-libraries.mjs (bench/results/jwt-libraries.md): jose's jwtVerify with the
// same key set and checks reaches 0.65 of this verifier. Its rules (alg, kid, claims)
// are tested as properties in verify-token.test.ts.
import { verify } from 'node:crypto';
import type { SessionClaims, SessionGrant } from './claims.js';
import type { ErrorCode } from './errors.js';
import { readGrant } from './grant.js';
import { type KeySource, remoteKeySource, staticKeySource } from './jwks-source.js';
import type { JwkSet } from './signing-key.js';

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export interface VerifierOptions {
  /** A JWKS URL (cached, refreshed on unknown kid) or a key set, or any KeySource. */
  jwks: string | URL | JwkSet | KeySource;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 30. */
  clockToleranceSec?: number;
  /** Seconds since the epoch; for tests. */
  now?: () => number;
}

export type VerifyResult =
  | { ok: true; claims: SessionClaims; grant: SessionGrant }
  | { ok: false; code: Extract<ErrorCode, 'INVALID_TOKEN' | 'TOKEN_EXPIRED'>; message: string };

export type TokenVerifier = (token: string) => Promise<VerifyResult>;

/** Longest token accepted; a real one is well under 3 KiB. */
export const MAX_TOKEN_LENGTH = 8192;
const ALLOWED_HEADER = new Set(['alg', 'typ', 'kid']);

const fail = (message: string): VerifyResult => ({ ok: false, code: 'INVALID_TOKEN', message });

function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds an offline verifier for session tokens. It accepts EdDSA (Ed25519)
 * only — never `none`, never HMAC — requires a known `kid`, refuses embedded
 * keys (`jwk`, `jku`, `x5u`, `x5c`) and `crit`, and checks `iss`, `aud`,
 * `exp` and `nbf` with a small leeway. It returns the typed grant.
 *
 * @example
 * const verify = createVerifier({
 *   jwks: 'https://latchkey.example.com/.well-known/jwks.json',
 *   issuer: 'https://latchkey.example.com',
 *   audience: 'latchkey',
 * });
 * const result = await verify(token);
 * if (result.ok) console.log(result.grant.models);
 */
export function createVerifier(options: VerifierOptions): TokenVerifier {
  if (!options || typeof options !== 'object')
    throw new TypeError('createVerifier: options are required');
  if (typeof options.issuer !== 'string' || !options.issuer)
    throw new TypeError('createVerifier: issuer is required');
  if (typeof options.audience !== 'string' || !options.audience)
    throw new TypeError('createVerifier: audience is required');
  const { jwks } = options;
  let source: KeySource;
  if (typeof jwks === 'string' || jwks instanceof URL) source = remoteKeySource(jwks);
  else if (jwks && typeof (jwks as KeySource).get === 'function') source = jwks as KeySource;
  else if (jwks && Array.isArray((jwks as JwkSet).keys)) source = staticKeySource(jwks as JwkSet);
  else throw new TypeError('createVerifier: jwks must be a URL, a key set or a KeySource');
  const leeway = options.clockToleranceSec ?? 30;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) return fail('no token');
    if (token.length > MAX_TOKEN_LENGTH) return fail('token too large');
    const parts = token.split('.');
    if (parts.length !== 3) return fail('not a compact JWS');
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJson(h);
    if (!header) return fail('malformed header');
    if (header.alg !== 'EdDSA') return fail('algorithm not allowed');
    for (const name of Object.keys(header)) {
      if (!ALLOWED_HEADER.has(name)) return fail(`header parameter "${name}" not allowed`);
    }
    if (header.typ !== undefined && header.typ !== 'JWT') return fail('wrong token type');
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
      return fail('missing kid');
    }
    if (!/^[A-Za-z0-9_-]+$/.test(s)) return fail('malformed signature');
    const key = await source.get(header.kid);
    if (!key) return fail('unknown signing key');
    const signature = Buffer.from(s, 'base64url');
    // Canonical form only: otherwise the unused trailing bits give 16 spellings of one token.
    if (signature.length !== 64 || signature.toString('base64url') !== s)
      return fail('bad signature');
    if (!verify(null, Buffer.from(`${h}.${p}`), key, signature)) return fail('bad signature');

    const c = decodeJson(p);
    if (!c) return fail('malformed payload');
    if (c.iss !== options.issuer) return fail('wrong issuer');
    if (c.aud !== options.audience) return fail('wrong audience');
    if (!isInt(c.exp) || !isInt(c.nbf) || !isInt(c.iat)) return fail('missing time claims');
    if (typeof c.sub !== 'string' || typeof c.jti !== 'string' || typeof c.key !== 'string') {
      return fail('missing subject, id or key claims');
    }
    const t = now();
    if (c.exp <= t - leeway) return { ok: false, code: 'TOKEN_EXPIRED', message: 'token expired' };
    if (c.nbf > t + leeway || c.iat > t + leeway) return fail('token not yet valid');
    const grant = readGrant(c.grant);
    if (!grant) return fail('malformed grant');
    return { ok: true, claims: c as unknown as SessionClaims, grant };
  };
}
