import { type KeyObject, sign } from 'node:crypto';
import type { Access } from './access-scope.js';

/** Claims of a registry access token, as CNCF distribution reads them. */
export interface AccessClaims {
  iss: string;
  /** One string: distribution refuses an array. */
  aud: string;
  sub: string;
  /** Whole seconds: distribution refuses a fractional `exp`. */
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

export interface TokenSigner {
  privateKey: KeyObject;
  /** Certificate chain, leaf first, base64 DER (not base64url). */
  x5c: string[];
  /** libtrust key id of the leaf key (informational: with `x5c` the registry uses the chain). */
  kid: string;
}

/** Signs a compact JWS with ES256; the signature is raw R||S (JWS), not DER. */
export function signAccessToken(claims: AccessClaims, signer: TokenSigner): string {
  const header = { typ: 'JWT', alg: 'ES256', kid: signer.kid, x5c: signer.x5c };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}
