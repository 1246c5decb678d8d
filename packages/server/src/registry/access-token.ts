import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
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

/** Signs a compact JWS with ES256 (jose writes the raw R||S signature JWS wants, not DER). */
export function signAccessToken(claims: AccessClaims, signer: TokenSigner): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ typ: 'JWT', alg: 'ES256', kid: signer.kid, x5c: signer.x5c })
    .sign(signer.privateKey);
}
