// Browser-safe entry: no Node built-ins. Node-only pieces live in `@latchkey/core/node`.

export {
  MAX_PASSWORD,
  MIN_PASSWORD,
  SLUG_PATTERN,
  SLUG_RULE,
} from './account-rules.js';
export { backoffMs } from './backoff.js';
export { bearerToken } from './bearer.js';
export type { JsonAnswer, JsonCallInit } from './call-json.js';
export { callJson, fetchFailureDetail } from './call-json.js';
export type { SessionClaims, SessionGrant } from './claims.js';
export { DEFAULT_GRANT, MAX_METADATA_BYTES, MAX_TOKEN_SECONDS } from './claims.js';
export type { EnvelopeFields } from './error-envelope.js';
export { errorEnvelope, errorResponse, readEnvelope, readEnvelopeText } from './error-envelope.js';
export type { ErrorCode, ErrorCodeInfo, ErrorEnvelope } from './errors.js';
export {
  ERROR_CODES,
  ERRORS_DOCS_PATH,
  errorDocsUrl,
  errorFix,
  errorStatus,
  isErrorCode,
} from './errors.js';
export type { IssueLike } from './format-issues.js';
export { formatIssues } from './format-issues.js';
export type { GrantRefusal, GrantRequest } from './grant.js';
export {
  GRANT_FIELDS,
  GRANT_LIMITS,
  grantFor,
  grantRefusal,
  grantRequestProblem,
  isModelName,
  isModelRef,
  isOrigin,
  MODEL_NAME,
  MODEL_NAME_RULE,
  MODEL_REF_RULE,
  MODEL_VERSION,
  MODEL_VERSION_RULE,
  metadataBytes,
  modelOrgSlug,
  ORIGIN_RULE,
  parseModelRef,
  readGrant,
} from './grant.js';
export type { IdPrefix } from './ids.js';
export { isId, newId } from './ids.js';
export type { KeyKind, ParsedKey } from './key-format.js';
export { displayKey, generateKey, KEY_LENGTH, KEY_PREFIX, parseKey } from './key-format.js';
export type { CappedBody } from './read-capped-body.js';
export { readCappedBody, readCappedText } from './read-capped-body.js';
export type {
  ClientMessage,
  CloseReason,
  CommandMessage,
  CreatedSession,
  IceServer,
  JobInfo,
  JobState,
  MediaKind,
  ModelInfo,
  RuntimeMessage,
  SessionInfo,
  SessionState,
} from './realtime.js';
export {
  CLOSE_REASONS,
  DATA_CHANNEL_LABEL,
  isCloseReason,
  MAX_MESSAGE_BYTES,
  parseClientMessage,
  parseRuntimeMessage,
} from './realtime.js';
export { redactSecrets } from './redact-secrets.js';
export {
  findUnstorableText,
  isStorableText,
  toStorableJson,
  toStorableText,
} from './storable-text.js';
