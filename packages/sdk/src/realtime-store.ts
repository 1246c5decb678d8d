import { buildClient, type LatchkeyClient } from './create-client.js';
import { explain, LatchkeyError } from './errors.js';
import { checkOptionsObject, fail } from './options.js';
import type {
  RealtimeMessage,
  RealtimeSession,
  RealtimeStatus,
  SendOptions,
} from './realtime-session.js';
import type { TokenResolver } from './token-source.js';

/** A snapshot of a realtime store. A new object on every change; never mutated. */
export interface RealtimeState {
  status: RealtimeStatus;
  /** The live session, once `connect` got one. */
  session: RealtimeSession | null;
  /** The model's media. */
  remoteStream: MediaStream | null;
  /** What the session sends to the model (`setLocalStream`). */
  localStream: MediaStream | null;
  /** The last failure: a refused connect, a dropped session, a camera the user denied. Cleared by `connect`. */
  lastError: Error | null;
  /** The model's latest unasked messages, oldest first (at most `MAX_STORE_MESSAGES`). */
  messages: readonly RealtimeMessage[];
}

export interface RealtimeStoreOptions {
  /** A client made with `createClient`. Or give `token` / `getToken` and optionally `baseUrl`. */
  client?: LatchkeyClient | undefined;
  /** A session token, or a function that returns one. */
  token?: string | TokenResolver | undefined;
  /** A function that returns a session token (fetch it from your backend's token route). */
  getToken?: TokenResolver | undefined;
  /** The platform's URL (with `token` / `getToken`). */
  baseUrl?: string | undefined;
  /** The realtime model, e.g. `echo`. */
  model: string;
  /** Connect as soon as the store exists. */
  autoConnect?: boolean | undefined;
  /** The stream to send to the model; see `setLocalStream`. */
  localStream?: MediaStream | null | undefined;
}

/**
 * Realtime state for a UI, without React: one session at a time, its status, media,
 * messages and last error, and the actions on it. `@latchkey/sdk/react` binds it.
 */
export interface RealtimeStore {
  getState(): RealtimeState;
  /** Calls `listener` after every change; returns a function that unsubscribes. */
  subscribe(listener: () => void): () => void;
  /**
   * Opens a session (or returns the one opening or open). Never rejects: resolves with
   * the session, or with `null` when it failed or was cancelled (the reason in `lastError`).
   * Waits for a local stream that `setLocalStream` was given as a promise.
   */
  connect(): Promise<RealtimeSession | null>;
  /** Ends the session (or cancels the connect in progress). */
  disconnect(): Promise<void>;
  /** `session.send`; rejects with `SESSION_CLOSED` when there is no ready session. */
  send<T = unknown>(command: string, data?: unknown, options?: SendOptions): Promise<T>;
  /**
   * Sets the stream to send, or a promise of one (a `getUserMedia` call: `connect`
   * waits for it; a rejection lands in `lastError`). Changing it while a session is
   * open restarts the session with the new tracks.
   */
  setLocalStream(stream: MediaStream | null | Promise<MediaStream | null>): void;
}

/** How many of the model's messages a store keeps. */
export const MAX_STORE_MESSAGES = 50;

const STORE_OPTIONS = [
  'client',
  'token',
  'getToken',
  'baseUrl',
  'model',
  'autoConnect',
  'localStream',
] as const;

interface Attempt {
  controller: AbortController;
  promise: Promise<RealtimeSession | null>;
  /** The local stream the session was opened with, once it was. */
  sent?: MediaStream | null;
}

/**
 * Creates a realtime store.
 *
 * @example
 * const store = createRealtimeStore({ getToken: tokenFromRoute('/api/latchkey/token'), model: 'echo' });
 * store.subscribe(() => {
 *   const { status, remoteStream } = store.getState();
 *   video.srcObject = remoteStream;
 *   label.textContent = status;
 * });
 * store.setLocalStream(navigator.mediaDevices.getUserMedia({ video: true }));
 * await store.connect();
 */
export function createRealtimeStore(options: RealtimeStoreOptions): RealtimeStore {
  const where = 'createRealtimeStore';
  if (options === undefined) fail(where, "pass the options: { getToken, model: 'echo' }");
  const o = checkOptionsObject(where, options, STORE_OPTIONS);
  const given = (['client', 'token', 'getToken'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1)
    fail(
      where,
      given.length === 0
        ? 'pass one of client, token or getToken'
        : `pass one of client, token or getToken, not ${given.join(' and ')}`,
    );
  let client: LatchkeyClient;
  if (o.client !== undefined) {
    const c = o.client as Partial<LatchkeyClient> | null;
    if (typeof c?.realtime?.connect !== 'function')
      fail(where, 'client must be a client from createClient');
    if (o.baseUrl !== undefined) fail(where, 'pass baseUrl to createClient, not with client');
    client = c as LatchkeyClient;
  } else {
    if (o.getToken !== undefined && typeof o.getToken !== 'function')
      fail(where, 'getToken must be a function that returns a session token');
    client = buildClient(
      { token: o.token ?? o.getToken, ...(o.baseUrl === undefined ? {} : { baseUrl: o.baseUrl }) },
      { where },
    );
  }
  if (typeof o.model !== 'string' || o.model === '')
    fail(where, 'model must be the name of a realtime model, e.g. "echo"');
  const model = o.model;
  if (o.autoConnect !== undefined && typeof o.autoConnect !== 'boolean')
    fail(where, 'autoConnect must be a boolean');
  const initialStream = (o.localStream as MediaStream | null | undefined) ?? null;
  if (initialStream !== null && typeof initialStream.getTracks !== 'function')
    fail(where, 'localStream must be a MediaStream');

  let state: RealtimeState = {
    status: 'disconnected',
    session: null,
    remoteStream: null,
    localStream: initialStream,
    lastError: null,
    messages: [],
  };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<RealtimeState>) => {
    const keys = Object.keys(patch) as (keyof RealtimeState)[];
    if (keys.every((k) => Object.is(state[k], patch[k]))) return;
    state = { ...state, ...patch };
    for (const listener of [...listeners]) listener();
  };

  let attempt: Attempt | undefined;
  /** The previous session's teardown: a new one opens only after it (a token may allow one session). */
  let teardown: Promise<unknown> = Promise.resolve();
  let streamGeneration = 0;
  let pendingStream: Promise<unknown> | undefined;

  const connect = (): Promise<RealtimeSession | null> => {
    if (attempt) return attempt.promise;
    const controller = new AbortController();
    const current: Attempt = { controller, promise: Promise.resolve(null) };
    const mine = () => attempt === current;
    attempt = current;
    current.promise = (async () => {
      try {
        await teardown;
        while (pendingStream) await pendingStream;
        controller.signal.throwIfAborted();
        current.sent = state.localStream;
        const session = await client.realtime.connect({
          model,
          signal: controller.signal,
          ...(current.sent ? { localStream: current.sent } : {}),
          onStatusChange: (status) => mine() && set({ status }),
          onRemoteStream: (remoteStream) => mine() && set({ remoteStream }),
          onMessage: (message) =>
            mine() && set({ messages: [...state.messages, message].slice(-MAX_STORE_MESSAGES) }),
        });
        session.on('error', (lastError) => mine() && set({ lastError }));
        session.on('closed', ({ reason }) => {
          if (!mine()) return;
          attempt = undefined;
          // Ended by the platform (revoked key, expiry, runtime gone…): say why, unless a
          // more precise error already did.
          const why =
            reason === 'client_closed' || state.lastError !== null
              ? state.lastError
              : new LatchkeyError(
                  'SESSION_CLOSED',
                  explain('SESSION_CLOSED', `the session was ended by the platform (${reason})`),
                );
          set({ status: 'disconnected', session: null, remoteStream: null, lastError: why });
        });
        if (!mine() || session.status === 'disconnected') {
          if (mine()) attempt = undefined;
          return null;
        }
        set({ session, status: session.status });
        return session;
      } catch (error) {
        if (!mine()) return null;
        attempt = undefined;
        set({
          status: 'disconnected',
          session: null,
          remoteStream: null,
          lastError: controller.signal.aborted ? null : (error as Error),
        });
        return null;
      }
    })();
    // After `attempt` is set: a listener that calls connect() gets this same attempt.
    set({ status: 'connecting', lastError: null, messages: [] });
    return current.promise;
  };

  const disconnect = (): Promise<void> => {
    const current = attempt;
    attempt = undefined;
    if (current === undefined) return teardown.then(() => undefined);
    current.controller.abort(new LatchkeyError('SESSION_CLOSED', 'The store was disconnected.'));
    const session = state.session;
    set({ status: 'disconnected', session: null, remoteStream: null });
    teardown = Promise.all([current.promise, session?.disconnect()]);
    return teardown.then(() => undefined);
  };

  const adoptStream = (stream: MediaStream | null) => {
    if (stream === state.localStream) return;
    set({ localStream: stream });
    // An open (or opening) session carries the old tracks: restart it with the new ones.
    if (attempt?.sent !== undefined && attempt.sent !== stream) {
      void disconnect();
      void connect();
    }
  };

  const store: RealtimeStore = {
    getState: () => state,
    subscribe(listener) {
      if (typeof listener !== 'function')
        throw new TypeError('subscribe: listener must be a function');
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connect,
    disconnect,
    async send<T = unknown>(command: string, data?: unknown, sendOptions?: SendOptions) {
      const session = state.session;
      if (session === null)
        throw new LatchkeyError(
          'SESSION_CLOSED',
          `There is no ${model} session (status ${state.status}). Connect first, and send once the status is 'ready'.`,
        );
      return session.send<T>(command, data, sendOptions);
    },
    setLocalStream(stream) {
      const generation = ++streamGeneration;
      if (stream !== null && typeof (stream as Promise<unknown>).then === 'function') {
        const pending: Promise<void> = (stream as Promise<MediaStream | null>).then(
          (value) => {
            if (generation === streamGeneration) adoptStream(value);
          },
          (error: unknown) => {
            if (generation === streamGeneration)
              set({ lastError: error instanceof Error ? error : new Error(String(error)) });
          },
        );
        pendingStream = pending.finally(() => {
          if (generation === streamGeneration) pendingStream = undefined;
        });
        return;
      }
      if (stream !== null && typeof (stream as MediaStream).getTracks !== 'function')
        throw new TypeError('setLocalStream: pass a MediaStream, a promise of one, or null');
      pendingStream = undefined;
      adoptStream(stream as MediaStream | null);
    },
  };
  if (o.autoConnect === true) queueMicrotask(() => void connect());
  return store;
}
