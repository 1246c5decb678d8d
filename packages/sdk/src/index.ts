// Browser-safe entry (also Node ≥ 20, Deno, Bun, edge runtimes): no Node built-ins.
// Server-only helpers live in `@latchkey/sdk/server`; React bindings will be `@latchkey/sdk/react`.

export type { ClientOptions, LatchkeyClient } from './create-client.js';
export { createClient } from './create-client.js';
export type { LatchkeyErrorCode, LatchkeyErrorOptions } from './errors.js';
export { ERROR_CODES, LatchkeyError, SDK_ERROR_CODES } from './errors.js';
export type { InsecureTokenOptions } from './fetch-insecure-token.js';
export { fetchInsecureToken } from './fetch-insecure-token.js';
export type { TokenRouteOptions } from './token-from-route.js';
export { tokenFromRoute } from './token-from-route.js';
export type { TokenResolver } from './token-source.js';
export type { CreatedToken, TokenGrant, Whoami } from './tokens.js';
export type { RequestOptions } from './transport.js';
