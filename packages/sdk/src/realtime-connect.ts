import type { ClientContext } from './client-context.js';
import { checkModel } from './job-request.js';
import { checkFunction, checkNumber, checkOptionsObject, fail } from './options.js';
import type { PeerConnectionConstructor } from './peer-link.js';
import type { RealtimeMessage, RealtimeSession, RealtimeStatus } from './realtime-session.js';
import { sessionCalls } from './session-calls.js';
import { Session } from './session-machine.js';

/** Options of `client.realtime.connect()`. */
export interface ConnectOptions {
  /** The realtime model, e.g. `echo`. */
  model: string;
  /** Your camera or microphone (`getUserMedia`): its tracks are sent to the model. Without it the session only receives. */
  localStream?: MediaStream | undefined;
  /** Called with the model's media as soon as it arrives (before `ready`), and again after a reconnect. */
  onRemoteStream?: ((stream: MediaStream) => void) | undefined;
  /** Called with each message the model sends unasked. */
  onMessage?: ((message: RealtimeMessage) => void) | undefined;
  /** Called on every status change, from `connecting` on. */
  onStatusChange?: ((status: RealtimeStatus) => void) | undefined;
  /** Aborting it while connecting rejects `connect()` with its reason; aborting it later disconnects. */
  signal?: AbortSignal | undefined;
  /**
   * The RTCPeerConnection class to use; defaults to the global one. Pass a polyfill
   * (for example `node-datachannel/polyfill`) to run sessions outside a browser.
   */
  RTCPeerConnection?: PeerConnectionConstructor | undefined;
  /** The longest wait for ICE candidates before the offer goes out (default 3000 ms). */
  iceGatheringTimeoutMs?: number | undefined;
  /** The longest wait from the answer to the model's `ready` (default 30 000 ms); then `TIMEOUT`. */
  readyTimeoutMs?: number | undefined;
  /**
   * The longest wait from the answer to a connected media transport (ICE and DTLS done),
   * default 10 000 ms; then the session ends with `MEDIA_CONNECT_FAILED` (also at once
   * when ICE fails sooner), and is closed on the platform.
   */
  mediaConnectTimeoutMs?: number | undefined;
  /**
   * `'relay'` sends media only through the TURN server the platform hands out (when the
   * operator configured one), never directly; default `'all'`.
   */
  iceTransportPolicy?: 'all' | 'relay' | undefined;
  /** Attempts to bring a dropped transport back before the session ends (default 3; 0 turns it off). */
  maxReconnectAttempts?: number | undefined;
}

/** Realtime sessions with models: `client.realtime`. */
export interface RealtimeApi {
  /**
   * Opens a session with a realtime model and resolves once the model is `ready`.
   * The session is opened on the platform first (`POST /v1/sessions`), so a refusal
   * (`MODEL_NOT_ALLOWED`, `ORIGIN_NOT_ALLOWED`, `SESSION_LIMIT`, `TOKEN_EXPIRED`,
   * `INVALID_TOKEN`, `MODEL_NOT_FOUND`, …) rejects with that code before any peer
   * connection or media exists.
   *
   * @example
   * const camera = await navigator.mediaDevices.getUserMedia({ video: true });
   * const session = await client.realtime.connect({
   *   model: 'echo',
   *   localStream: camera,
   *   onRemoteStream: (stream) => (video.srcObject = stream),
   * });
   * await session.send('set_prompt', { prompt: 'in the style of a woodcut' });
   * await session.disconnect();
   */
  connect(options: ConnectOptions): Promise<RealtimeSession>;
}

const CONNECT_OPTIONS = [
  'model',
  'localStream',
  'onRemoteStream',
  'onMessage',
  'onStatusChange',
  'signal',
  'RTCPeerConnection',
  'iceGatheringTimeoutMs',
  'readyTimeoutMs',
  'mediaConnectTimeoutMs',
  'iceTransportPolicy',
  'maxReconnectAttempts',
] as const;

export const DEFAULT_GATHERING_TIMEOUT_MS = 3_000;
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const DEFAULT_MEDIA_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_RECONNECT_ATTEMPTS = 3;

type Listener<T> = ((value: T) => void) | undefined;

/** @internal `client.realtime`. */
export function createRealtime(ctx: ClientContext): RealtimeApi {
  const calls = sessionCalls(ctx);
  return {
    async connect(options) {
      const where = 'realtime.connect';
      if (options === undefined) fail(where, "pass the options, at least { model: 'echo' }");
      const o = checkOptionsObject(where, options, CONNECT_OPTIONS);
      const model = checkModel(where, 'model', o.model);
      const localStream = o.localStream as MediaStream | undefined;
      if (localStream !== undefined && typeof localStream?.getTracks !== 'function')
        fail(where, 'localStream must be a MediaStream (from navigator.mediaDevices.getUserMedia)');
      const listener = <T>(name: string, value: unknown): Listener<T> =>
        value === undefined ? undefined : checkFunction<(value: T) => void>(where, name, value);
      const onStatusChange = listener<RealtimeStatus>('onStatusChange', o.onStatusChange);
      const onMessage = listener<RealtimeMessage>('onMessage', o.onMessage);
      const onRemoteStream = listener<MediaStream>('onRemoteStream', o.onRemoteStream);
      const signal = o.signal as AbortSignal | undefined;
      if (signal !== undefined && !(signal instanceof AbortSignal))
        fail(where, 'signal must be an AbortSignal');
      const Peer = (o.RTCPeerConnection ??
        (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection) as
        | PeerConnectionConstructor
        | undefined;
      if (typeof Peer !== 'function')
        fail(
          where,
          o.RTCPeerConnection === undefined
            ? 'this runtime has no RTCPeerConnection: realtime sessions run in a browser, or pass a WebRTC polyfill as the RTCPeerConnection option'
            : 'RTCPeerConnection must be a class (constructor)',
        );
      const number = (
        name: 'iceGatheringTimeoutMs' | 'readyTimeoutMs' | 'mediaConnectTimeoutMs',
        fallback: number,
      ) =>
        o[name] === undefined ? fallback : checkNumber(where, name, o[name], 1, 600_000, false);
      const iceTransportPolicy = o.iceTransportPolicy as RTCIceTransportPolicy | undefined;
      if (
        iceTransportPolicy !== undefined &&
        iceTransportPolicy !== 'all' &&
        iceTransportPolicy !== 'relay'
      )
        fail(where, "iceTransportPolicy must be 'all' or 'relay'");
      const settings = {
        Peer,
        localStream,
        gatheringTimeoutMs: number('iceGatheringTimeoutMs', DEFAULT_GATHERING_TIMEOUT_MS),
        readyTimeoutMs: number('readyTimeoutMs', DEFAULT_READY_TIMEOUT_MS),
        mediaTimeoutMs: number('mediaConnectTimeoutMs', DEFAULT_MEDIA_CONNECT_TIMEOUT_MS),
        iceTransportPolicy,
        maxReconnectAttempts:
          o.maxReconnectAttempts === undefined
            ? DEFAULT_RECONNECT_ATTEMPTS
            : checkNumber(where, 'maxReconnectAttempts', o.maxReconnectAttempts, 0, 10, true),
      };
      signal?.throwIfAborted();

      onStatusChange?.('connecting');
      let session: Session;
      try {
        session = new Session(calls, await calls.create(model, signal), settings);
      } catch (error) {
        onStatusChange?.('disconnected');
        throw error;
      }
      if (onStatusChange) session.on('status', onStatusChange);
      if (onMessage) session.on('message', onMessage);
      if (onRemoteStream) session.on('remoteStream', onRemoteStream);

      const abandon = () => void session.abandon();
      signal?.addEventListener('abort', abandon, { once: true });
      try {
        await session.start();
      } catch (error) {
        await session.abandon();
        throw signal?.aborted ? signal.reason : error;
      } finally {
        signal?.removeEventListener('abort', abandon);
      }
      if (signal !== undefined) {
        const end = () => void session.disconnect();
        signal.addEventListener('abort', end, { once: true });
        session.on('closed', () => signal.removeEventListener('abort', end));
      }
      return session;
    },
  };
}
