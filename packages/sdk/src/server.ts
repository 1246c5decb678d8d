// Server-side helpers: your backend's token route and proxy, Web-standard handlers
// with a node:http adapter. Keep them on the server: they hold your API key.

export type { LatchkeyErrorCode } from './errors.js';
export { ERROR_CODES, LatchkeyError, SDK_ERROR_CODES } from './errors.js';
export type { NodeHandler } from './server/node-handler.js';
export { toNodeHandler } from './server/node-handler.js';
export type {
  ProxyDecision,
  ProxyHandlerOptions,
  ProxyOperation,
} from './server/proxy-handler.js';
export { createProxyHandler, DEFAULT_MAX_BODY_BYTES } from './server/proxy-handler.js';
export { DEFAULT_PROXY_ALLOW } from './server/proxy-routes.js';
export type { WebHandler } from './server/respond.js';
export type { TokenHandlerOptions } from './server/token-handler.js';
export { createTokenHandler } from './server/token-handler.js';
export type { TokenGrant } from './tokens.js';
