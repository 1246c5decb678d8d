import type { CloseReason, ErrorCode, ModelInfo } from '@latchkey/core';

/**
 * The contract between the coordinator (`latchkey serve`) and a runtime that hosts
 * models. The coordinator holds one `RuntimeHost` per runtime: the runtime object
 * itself when it is embedded in the same process, or a client that speaks the
 * runtime's HTTP protocol (`createRemoteRuntime`) for one in another process.
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

export interface RuntimeCapacity {
  /** Concurrent realtime sessions. */
  sessions: number;
  /** Concurrent batch jobs. */
  jobs: number;
}

export interface OpenSessionRequest {
  /** The coordinator's id for the session (`ses_…`). */
  sessionId: string;
  model: string;
  /** The session token the caller presented, or the one the coordinator minted for a key. */
  token: string;
  /** The `Origin` of the caller's request, if it sent one. */
  origin: string | null;
  /** Epoch milliseconds by which the session must have ended. */
  expiresAt: number;
}

export interface RunJobRequest {
  jobId: string;
  model: string;
  token: string;
  input: unknown;
}

/** A batch job's result: bytes and their content type (`image/png`, `application/json`, …). */
export interface JobOutput {
  contentType: string;
  body: Uint8Array;
}

/** An expected refusal is a value, with a code from the registry in `@latchkey/core`. */
export type HostResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string };

/**
 * What a runtime tells the coordinator. `session-waiting` follows an accepted offer,
 * `session-active` comes when the transport is up and the model is ready,
 * `session-closed` when it ends for any reason (including the coordinator's own close).
 */
export type RuntimeEvent =
  | { type: 'session-waiting'; sessionId: string; at: number }
  | { type: 'session-active'; sessionId: string; at: number }
  | { type: 'session-closed'; sessionId: string; reason: CloseReason; at: number };
