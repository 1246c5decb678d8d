import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/** A public key as published in the JWKS. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface JwkSet {
  keys: PublicJwk[];
}

export interface SigningKeyPair {
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

/** Generates an Ed25519 signing key pair with the given key id. */
export function generateSigningKey(kid: string): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { kid, privateKey, publicJwk: toPublicJwk(kid, publicKey) };
}

export function toPublicJwk(kid: string, publicKey: KeyObject): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x), kid, alg: 'EdDSA', use: 'sig' };
}

/** PKCS#8 DER of the private half, for encryption at rest. */
export function exportPrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

export function importPrivateKey(kid: string, der: Buffer): SigningKeyPair {
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { kid, privateKey, publicJwk: toPublicJwk(kid, createPublicKey(privateKey)) };
}

/** Imports a public JWK, refusing anything but an Ed25519 OKP key. */
export function importPublicJwk(jwk: unknown): KeyObject | undefined {
  if (!jwk || typeof jwk !== 'object') return undefined;
  const k = jwk as Record<string, unknown>;
  if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string') return undefined;
  if (k.alg !== undefined && k.alg !== 'EdDSA') return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}
