import {
  backoffMs,
  type CloseReason,
  type CreatedSession,
  parseRuntimeMessage,
} from '@latchkey/core';
import { explain, LatchkeyError } from './errors.js';
import { Emitter } from './event-emitter.js';
import { checkNumber } from './options.js';
import { openPeerLink, type PeerConnectionConstructor, type PeerLink } from './peer-link.js';
import { PendingReplies } from './pending-replies.js';
import {
  REALTIME_EVENTS,
  type RealtimeEvents,
  type RealtimeSession,
  type RealtimeStatus,
  type SendOptions,
} from './realtime-session.js';
import { sleep } from './retry.js';
import type { SessionCalls } from './session-calls.js';
import type { RequestOptions } from './transport.js';

/** @internal */
export interface SessionSettings {
  Peer: PeerConnectionConstructor;
  localStream: MediaStream | undefined;
  gatheringTimeoutMs: number;
  readyTimeoutMs: number;
  /** Bound on ICE and DTLS completing after the answer; then MEDIA_CONNECT_FAILED. */
  mediaTimeoutMs: number;
  iceTransportPolicy: RTCIceTransportPolicy | undefined;
  maxReconnectAttempts: number;
}

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
/** How long `disconnected` may last before the transport counts as dropped (it often recovers). */
export const DROP_GRACE_MS = 2_000;
/** Each reconnect attempt's bound on reaching `ready` again. */
export const RECONNECT_READY_MS = 10_000;

const closedError = (reason: CloseReason) =>
  new LatchkeyError('SESSION_CLOSED', explain('SESSION_CLOSED', `the session ended (${reason})`));

const dropError = (what: string) =>
  new LatchkeyError('NETWORK_ERROR', explain('NETWORK_ERROR', what));

/** The media never flowed: no candidate pair succeeded (or DTLS did not finish). */
const mediaError = (what: string) =>
  new LatchkeyError(
    'MEDIA_CONNECT_FAILED',
    explain(
      'MEDIA_CONNECT_FAILED',
      `${what}: no ICE candidate pair between this browser and the model's runtime succeeded`,
    ),
  );

/** @internal The session's state machine; `connect()` builds it and calls `start()`. */
export class Session implements RealtimeSession {
  readonly sessionId: string;
  readonly model: string;
  readonly expiresAt: string;
  readonly #api: SessionCalls;
  readonly #settings: SessionSettings;
  readonly #iceServers: CreatedSession['iceServers'];
  readonly #events = new Emitter<RealtimeEvents>('RealtimeSession', REALTIME_EVENTS);
  readonly #replies = new PendingReplies();
  /** Aborted when the session ends: stops in-flight calls and reconnect waits. */
  readonly #life = new AbortController();
  #status: RealtimeStatus = 'connecting';
  #commands: readonly string[] = [];
  #remote: MediaStream | null = null;
  #link: PeerLink | undefined;
  #readyLink: PeerLink | undefined;
  /** Links whose peer connection reached `connected` (ICE and DTLS done) at least once. */
  readonly #connected = new WeakSet<PeerLink>();
  #waiter: { link: PeerLink; resolve(): void; reject(error: Error): void } | undefined;
  #dropTimer: ReturnType<typeof setTimeout> | undefined;
  #closedBy: 'server' | 'client' | undefined;
  #closeReason: CloseReason | undefined;
  #disconnecting: Promise<void> | undefined;

  constructor(api: SessionCalls, created: CreatedSession, settings: SessionSettings) {
    this.#api = api;
    this.#settings = settings;
    this.sessionId = created.sessionId;
    this.model = created.model;
    this.expiresAt = created.expiresAt;
    this.#iceServers = created.iceServers;
  }

  get status(): RealtimeStatus {
    return this.#status;
  }
  get commands(): readonly string[] {
    return this.#commands;
  }
  get remoteStream(): MediaStream | null {
    return this.#remote;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (value: RealtimeEvents[K]) => void) {
    return this.#events.on(event, listener);
  }
  off<K extends keyof RealtimeEvents>(event: K, listener: (value: RealtimeEvents[K]) => void) {
    this.#events.off(event, listener);
  }

  /** Negotiates the first transport; resolves when the model is ready. */
  async start(): Promise<void> {
    await this.#negotiate(this.#settings.readyTimeoutMs, true);
  }

  async send<T = unknown>(command: string, data?: unknown, options?: SendOptions): Promise<T> {
    if (typeof command !== 'string') throw new TypeError('send: command must be a string');
    const timeoutMs =
      options?.timeoutMs === undefined
        ? DEFAULT_SEND_TIMEOUT_MS
        : checkNumber('send', 'timeoutMs', options.timeoutMs, 1, 2_147_483_647, false);
    const link = this.#link;
    if (this.#status !== 'ready' || link === undefined || link.channel.readyState !== 'open')
      throw this.#closeReason !== undefined
        ? closedError(this.#closeReason)
        : new LatchkeyError(
            'SESSION_CLOSED',
            `The session is ${this.#status}, not ready. Send commands once its status is 'ready' (see on('status')).`,
          );
    return this.#replies.request(command, data, timeoutMs, (text) =>
      link.channel.send(text),
    ) as Promise<T>;
  }

  disconnect(): Promise<void> {
    return this.#close();
  }

  /** After a failed `start()`: end it, and close it on the platform within a short bound. */
  abandon(): Promise<void> {
    return this.#close({ timeoutMs: 5_000, maxRetries: 0 });
  }

  #close(options?: RequestOptions): Promise<void> {
    this.#disconnecting ??= (async () => {
      const byServer = this.#closedBy === 'server';
      this.#finish('client_closed', 'client');
      if (byServer) return;
      try {
        await this.#api.close(this.sessionId, options);
      } catch (error) {
        this.#events.emit('error', asLatchkeyError(error, 'could not close the session'));
      }
    })();
    return this.#disconnecting;
  }

  #setStatus(status: RealtimeStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#events.emit('status', status);
  }

  /** Ends the session locally, once: every wait rejects, the transport closes, listeners hear why. */
  #finish(reason: CloseReason, by: 'server' | 'client'): void {
    if (this.#closedBy !== undefined) return;
    this.#closedBy = by;
    this.#closeReason = reason;
    clearTimeout(this.#dropTimer);
    this.#life.abort(closedError(reason));
    this.#closeLink();
    this.#replies.rejectAll(() => closedError(reason));
    this.#waiter?.reject(closedError(reason));
    this.#waiter = undefined;
    this.#remote = null;
    this.#setStatus('disconnected');
    this.#events.emit('closed', { reason });
  }

  #closeLink(): void {
    this.#link?.close();
    this.#link = undefined;
  }

  #alive(link: PeerLink): void {
    if (this.#closedBy !== undefined) throw this.#life.signal.reason;
    if (link !== this.#link) throw dropError('the transport was replaced');
  }

  /** One transport: a new link, its offer, the answer, then the model's `ready` on it. */
  async #negotiate(readyTimeoutMs: number, first: boolean): Promise<void> {
    const link = this.#openLink();
    const sdp = await link.offer(this.#settings.gatheringTimeoutMs);
    this.#alive(link);
    const answer = await this.#api.offer(this.sessionId, sdp, this.#life.signal);
    this.#alive(link);
    await link.accept(answer.sdp);
    this.#alive(link);
    if (first) this.#setStatus('waiting');
    if (this.#readyLink === link) return;
    const mediaTimeoutMs = this.#settings.mediaTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const settle = (fn: () => void) => () => {
        clearTimeout(timer);
        clearTimeout(mediaTimer);
        if (this.#waiter === waiter) this.#waiter = undefined;
        fn();
      };
      const waiter = {
        link,
        resolve: settle(resolve),
        reject: (error: Error) => settle(() => reject(error))(),
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new LatchkeyError(
              'TIMEOUT',
              explain('TIMEOUT', `the model did not become ready within ${readyTimeoutMs} ms`),
            ),
          ),
        readyTimeoutMs,
      );
      // ICE and DTLS get their own, shorter bound: no path at all is a different failure.
      const mediaTimer = setTimeout(() => {
        if (!this.#connected.has(link))
          waiter.reject(
            mediaError(`The media connection did not come up within ${mediaTimeoutMs} ms`),
          );
      }, mediaTimeoutMs);
      this.#waiter = waiter;
    });
  }

  #openLink(): PeerLink {
    this.#link?.close();
    const link: PeerLink = openPeerLink(
      this.#settings.Peer,
      this.#iceServers,
      this.#settings.iceTransportPolicy,
      this.#settings.localStream,
      {
        remoteStream: (stream) => {
          this.#remote = stream;
          this.#events.emit('remoteStream', stream);
        },
        channelMessage: (text) => this.#onMessage(link, text),
        channelClose: () => this.#dropped(link, 'the data channel closed'),
        connectionState: (state) => {
          if (link !== this.#link) return;
          if (state === 'connected') {
            this.#connected.add(link);
            clearTimeout(this.#dropTimer);
            this.#dropTimer = undefined;
          } else if (state === 'failed') {
            this.#dropped(link, 'the media connection failed');
          } else if (state === 'disconnected' && this.#dropTimer === undefined) {
            this.#dropTimer = setTimeout(() => {
              this.#dropTimer = undefined;
              if (link.pc.connectionState !== 'connected')
                this.#dropped(link, 'the media connection was lost');
            }, DROP_GRACE_MS);
          }
        },
      },
    );
    this.#link = link;
    return link;
  }

  #onMessage(link: PeerLink, text: string): void {
    if (link !== this.#link) return;
    const message = parseRuntimeMessage(text);
    switch (message?.type) {
      case 'ready':
        this.#commands = Object.freeze([...message.commands]);
        this.#readyLink = link;
        this.#setStatus('ready');
        if (this.#waiter?.link === link) this.#waiter.resolve();
        break;
      case 'reply':
        this.#replies.reply(message);
        break;
      case 'message':
        this.#events.emit('message', { name: message.name, data: message.data });
        break;
      case 'closing':
        this.#finish(message.reason, 'server');
        break;
      default:
        break; // not ours to understand: a newer runtime's message, or noise
    }
  }

  #dropped(link: PeerLink, what: string): void {
    if (link !== this.#link || this.#closedBy !== undefined) return;
    clearTimeout(this.#dropTimer);
    this.#dropTimer = undefined;
    if (this.#waiter?.link === link) {
      this.#waiter.reject(this.#connected.has(link) ? dropError(what) : mediaError('ICE failed'));
      return;
    }
    if (this.#status === 'ready') void this.#reconnect(what);
  }

  /** Same session, new transport: bounded attempts with backoff, or the session ends. */
  async #reconnect(what: string): Promise<void> {
    this.#setStatus('reconnecting');
    this.#replies.rejectAll(() =>
      dropError(`${what} before the model replied; the session is reconnecting`),
    );
    this.#closeLink();
    let failure: unknown = dropError(`${what}, and reconnecting is off`);
    for (let attempt = 0; attempt < this.#settings.maxReconnectAttempts; attempt++) {
      try {
        if (attempt > 0) await sleep(backoffMs(attempt - 1, { baseMs: 1000 }), this.#life.signal);
        const info = await this.#api.get(this.sessionId, this.#life.signal);
        if (info.state === 'closed') {
          this.#finish(info.closeReason ?? 'transport_lost', 'server');
          return;
        }
        await this.#negotiate(RECONNECT_READY_MS, false);
        return;
      } catch (error) {
        if (this.#closedBy !== undefined) return;
        failure = error;
        this.#closeLink();
        if (!worthRetrying(error)) break;
      }
    }
    if (this.#closedBy !== undefined) return;
    this.#events.emit('error', asLatchkeyError(failure, `${what}, and reconnecting failed`));
    this.#finish('transport_lost', 'client');
    void this.#api.close(this.sessionId).catch(() => {});
  }
}

function worthRetrying(error: unknown): boolean {
  if (!(error instanceof LatchkeyError)) return false;
  // SESSION_CLOSED: the next attempt's GET says why.
  return (
    error.status === 0 ||
    error.status === 429 ||
    error.status >= 500 ||
    error.code === 'SESSION_CLOSED'
  );
}

function asLatchkeyError(error: unknown, what: string): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  return new LatchkeyError('NETWORK_ERROR', explain('NETWORK_ERROR', what), { cause: error });
}
