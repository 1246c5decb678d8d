// Node-only entry: hashing, signing and the offline verifier (node:crypto), the logger,
// the media settings, and the coordinator↔runtime contract with its zod schemas.
export { hashKey } from './hash-key.js';
export type { KeySource, RemoteKeySourceOptions } from './jwks-source.js';
export { remoteKeySource, staticKeySource } from './jwks-source.js';
export type { Logger, LogLevel } from './logger.js';
export { createLogger, errorDetail, LOG_LEVELS, silentLogger } from './logger.js';
export type { NetworkConfig } from './network-config.js';
export {
  ConfigError,
  loadNetworkConfig,
  NETWORK_ENV,
  networkFrom,
  parseEnv,
} from './network-config.js';
export { OciError } from './oci/oci-error.js';
export type { PullWeightsOptions, PullWeightsResult } from './oci/pull-weights.js';
export { pullWeights } from './oci/pull-weights.js';
export type {
  PushProgress,
  PushWeightsOptions,
  PushWeightsResult,
  UploadState,
  UploadStateStore,
} from './oci/push-weights.js';
export {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_PART_BYTES,
  listWeightsFiles,
  pushWeights,
} from './oci/push-weights.js';
export { parseChallenge, registryBaseUrl } from './oci/registry-auth.js';
export type {
  RegistryAuth,
  RegistryClient,
  RegistryClientOptions,
  UploadPosition,
} from './oci/registry-client.js';
export { createRegistryClient } from './oci/registry-client.js';
export type {
  Descriptor,
  ManifestFile,
  OciManifest,
  WeightsFileEntry,
  WeightsPart,
} from './oci/weights-manifest.js';
export {
  buildWeightsManifest,
  isSafeRelativePath,
  OCI_MANIFEST,
  readWeightsManifest,
  WEIGHTS_CONFIG,
  WEIGHTS_FILE,
} from './oci/weights-manifest.js';
export type {
  EmbeddedRuntime,
  EmbeddedRuntimeDeps,
  EmbeddedRuntimeFactory,
  HostResult,
  JobOutput,
  RuntimeHost,
} from './runtime-host.js';
export type {
  EventsRequest,
  HeartbeatAnswer,
  HeartbeatRequest,
  OpenSessionRequest,
  RegisterAnswer,
  RegisterRequest,
  RunJobRequest,
  RuntimeCapacity,
  RuntimeEvent,
} from './runtime-protocol.js';
export {
  CloseReasonSchema,
  DeregisterRequestSchema,
  EventsRequestSchema,
  HeartbeatAnswerSchema,
  HeartbeatRequestSchema,
  InstanceIdSchema,
  ModelInfoSchema,
  OfferAnswerSchema,
  OfferRequestSchema,
  OpenSessionAnswerSchema,
  OpenSessionRequestSchema,
  RefusalAnswerSchema,
  RegisterAnswerSchema,
  RegisterRequestSchema,
  RunJobRequestSchema,
  RuntimeCapacitySchema,
  RuntimeEventSchema,
  ValidateJobRequestSchema,
  WIRE_ID,
} from './runtime-protocol.js';
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
