// Browser-safe entry (also Node ≥ 20, Deno, Bun, edge runtimes): no Node built-ins, no React.
// Server-only helpers live in `@latchkey/sdk/server`; React bindings in `@latchkey/sdk/react`.

export type { CloseReason, JobInfo, JobState } from '@latchkey/core';
export type { ClientOptions, LatchkeyClient } from './create-client.js';
export { createClient } from './create-client.js';
export type { LatchkeyErrorCode, LatchkeyErrorOptions } from './errors.js';
export { ERROR_CODES, LatchkeyError, SDK_ERROR_CODES } from './errors.js';
export type { InsecureTokenOptions } from './fetch-insecure-token.js';
export { fetchInsecureToken } from './fetch-insecure-token.js';
export type { JobRequest } from './job-request.js';
export type { JobsApi } from './jobs.js';
export type { ConnectOptions, RealtimeApi } from './realtime-connect.js';
export type {
  RealtimeEvents,
  RealtimeMessage,
  RealtimeSession,
  RealtimeStatus,
  SendOptions,
} from './realtime-session.js';
export type {
  RealtimeState,
  RealtimeStore,
  RealtimeStoreOptions,
} from './realtime-store.js';
export { createRealtimeStore, MAX_STORE_MESSAGES } from './realtime-store.js';
export type { TokenRouteOptions } from './token-from-route.js';
export { tokenFromRoute } from './token-from-route.js';
export type { TokenResolver } from './token-source.js';
export type { CreatedToken, TokenGrant, Whoami } from './tokens.js';
export type { RequestOptions } from './transport.js';
export type { WaitOptions } from './wait-for-job.js';
