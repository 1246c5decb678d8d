import type { CloseReason } from '@latchkey/core';
import type { LatchkeyError } from './errors.js';

/**
 * `connecting` (opening the session, negotiating) → `waiting` (answer applied, the
 * model is starting) → `ready` (commands go through) ⇄ `reconnecting` (the transport
 * dropped; a new one is being negotiated on the same session) → `disconnected`.
 */
export type RealtimeStatus = 'disconnected' | 'connecting' | 'waiting' | 'ready' | 'reconnecting';

/** Something the model said unasked, such as a caption or a state change. */
export interface RealtimeMessage {
  name: string;
  data: unknown;
}

/** The events of a `RealtimeSession`, and what their listeners get. */
export interface RealtimeEvents {
  status: RealtimeStatus;
  message: RealtimeMessage;
  /** The model's media; a new stream after a reconnect. */
  remoteStream: MediaStream;
  /** A failure after `connect()` resolved: reconnecting gave up, or `disconnect()` could not reach the platform. */
  error: LatchkeyError;
  /** The session ended; `reason` says why (`client_closed` after `disconnect()`). */
  closed: { reason: CloseReason };
}

export const REALTIME_EVENTS = ['status', 'message', 'remoteStream', 'error', 'closed'] as const;

export interface SendOptions {
  /** How long to wait for the model's reply (default 10 000 ms); then `TIMEOUT`. */
  timeoutMs?: number | undefined;
}

/** A live realtime session with a model, from `client.realtime.connect()`. */
export interface RealtimeSession {
  readonly sessionId: string;
  readonly model: string;
  /** When the platform ends the session at the latest (ISO 8601). */
  readonly expiresAt: string;
  readonly status: RealtimeStatus;
  /** The commands the model listed when it became ready. */
  readonly commands: readonly string[];
  /** The model's media, once it arrived. */
  readonly remoteStream: MediaStream | null;
  /**
   * Sends a command on the data channel and resolves with the model's reply data.
   * Rejects with a LatchkeyError: the model's code (`UNKNOWN_COMMAND`,
   * `INVALID_REQUEST`, `COMMAND_FAILED`), `TIMEOUT`, or `SESSION_CLOSED` when the
   * session is not `ready`.
   *
   * @example
   * const { acknowledged } = await session.send('set_prompt', { prompt: 'watercolour' });
   */
  send<T = unknown>(command: string, data?: unknown, options?: SendOptions): Promise<T>;
  /**
   * Listens to an event; returns a function that stops listening.
   *
   * @example
   * session.on('closed', ({ reason }) => console.log('session ended:', reason));
   */
  on<K extends keyof RealtimeEvents>(
    event: K,
    listener: (value: RealtimeEvents[K]) => void,
  ): () => void;
  off<K extends keyof RealtimeEvents>(event: K, listener: (value: RealtimeEvents[K]) => void): void;
  /**
   * Ends the session on the platform (`DELETE /v1/sessions/{id}`) and closes the peer
   * connection. Idempotent; resolves once the platform has closed it. The local
   * stream's tracks are yours: stop them yourself.
   */
  disconnect(): Promise<void>;
}
