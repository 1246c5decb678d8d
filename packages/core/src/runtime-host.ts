// The contract between the coordinator (`latchkey serve`) and a runtime that hosts
// models. Both packages build on it; neither imports the other.
import type { ErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { CloseReason, ModelInfo } from './realtime.js';
import type {
  OpenSessionRequest,
  RunJobRequest,
  RuntimeCapacity,
  RuntimeEvent,
} from './runtime-protocol.js';
import type { TokenVerifier } from './verify-token.js';

/**
 * What the coordinator holds for each runtime: the runtime object itself when it is
 * embedded in the same process, or a client that speaks the runtime's HTTP protocol
 * (the server's `createRemoteRuntime`) for one in another process.
 *
 * Every call that opens a session or runs a job carries a session token. The runtime
 * verifies it itself, offline, against the platform's JWKS: it never trusts the
 * coordinator blindly. (For a caller that used an app key the coordinator mints a
 * short token scoped to the one model, so the runtime's check is the same.)
 */
export interface RuntimeHost {
  /** The models this runtime serves. */
  models(): ModelInfo[];
  /** How many sessions and concurrent jobs it takes. */
  capacity(): RuntimeCapacity;
  /** Sessions open on it now (not closed), by id. */
  liveSessions(): string[];

  /**
   * Prepares a session. The runtime verifies `token` (signature, expiry, `grant.models`
   * includes `model`, `grant.origins` admits `origin`) and caps the session at
   * `expiresAt` and at the grant's `maxSessionSeconds`. Media starts with `offer`.
   */
  openSession(request: OpenSessionRequest): Promise<HostResult<{ expiresAt: number }>>;
  /**
   * Answers the browser's SDP offer (non-trickle: the offer carries its candidates,
   * the answer carries the runtime's). A second offer on a live session replaces its
   * transport (the client reconnecting).
   */
  offer(sessionId: string, sdp: string): Promise<HostResult<{ sdp: string }>>;
  /** Ends a session (tells the client why on the data channel first). Idempotent. */
  closeSession(sessionId: string, reason: CloseReason): Promise<void>;

  /** Checks a job's input against the model's schema without running it. */
  validateJob(model: string, input: unknown): Promise<HostResult<void>>;
  /** Runs a batch job to completion; verifies `token` like `openSession`. */
  runJob(request: RunJobRequest): Promise<HostResult<JobOutput>>;

  /** Session state changes, as they happen. Returns an unsubscribe function. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
  /** Ends every session (`runtime_shutdown`) and frees its resources. */
  close(): Promise<void>;
}

/** A batch job's result: bytes and their content type (`image/png`, `application/json`, …). */
export interface JobOutput {
  contentType: string;
  body: Uint8Array;
}

/** An expected refusal is a value, with a code from the error registry. */
export type HostResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string };

/** What a coordinator gives the runtime it embeds. */
export interface EmbeddedRuntimeDeps {
  /** Verifies the platform's session tokens, offline, with its own keys. */
  verifyToken: TokenVerifier;
  log: Logger;
  /** The bearer the coordinator's other processes send to reach it over HTTP. */
  secret: string;
  /** Media settings from the coordinator's configuration (undefined: the runtime's defaults). */
  network: {
    hostAddresses: string[] | undefined;
    announcedAddresses: string[] | undefined;
    rtcPorts: [number, number] | undefined;
  };
}

/** A runtime in the coordinator's process, and the HTTP handler that serves it to the others. */
export interface EmbeddedRuntime {
  host: RuntimeHost;
  /** The runtime HTTP protocol, checking `secret`; mounted by the server at `/runtime-host`. */
  handler: (request: Request) => Promise<Response>;
}

/**
 * How `startServer` gets a runtime without depending on the runtime package: the CLI
 * (or a test) passes a factory, the server calls it with what only it knows.
 *
 * @example
 * import { embeddedRuntime } from '@latchkey/runtime';
 * await startServer(config, { runtime: embeddedRuntime({ models: defaultModels() }) });
 */
export type EmbeddedRuntimeFactory = (deps: EmbeddedRuntimeDeps) => EmbeddedRuntime;
