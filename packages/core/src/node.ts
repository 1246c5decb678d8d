// Node-only entry: hashing, signing and the offline verifier (node:crypto).
export { hashKey } from './hash-key.js';
export type { KeySource, RemoteKeySourceOptions } from './jwks-source.js';
export { remoteKeySource, staticKeySource } from './jwks-source.js';
export { signSessionToken } from './sign-token.js';
export type { JwkSet, PublicJwk, SigningKeyPair } from './signing-key.js';
export {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  importPublicJwk,
  toPublicJwk,
} from './signing-key.js';
export type { TurnConfig } from './turn-credentials.js';
export { turnCredentials } from './turn-credentials.js';
export type { TokenVerifier, VerifierOptions, VerifyResult } from './verify-token.js';
export { createVerifier, MAX_TOKEN_LENGTH } from './verify-token.js';
