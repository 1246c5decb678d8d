// The realtime store's state machine, over a scripted stand-in for
// client.realtime.connect (the session's own protocol is tested in realtime-*.test.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ConnectOptions,
  createRealtimeStore,
  type LatchkeyClient,
  LatchkeyError,
  MAX_STORE_MESSAGES,
  type RealtimeEvents,
  type RealtimeSession,
  type RealtimeStatus,
} from '../src/index.js';
import { FakeStream, FakeTrack } from './fake-webrtc.js';

/** A session the test drives: status changes, messages, closing. */
class ScriptedSession implements RealtimeSession {
  readonly sessionId: string;
  readonly model = 'echo';
  readonly expiresAt = '2100-01-01T00:00:00.000Z';
  readonly commands = ['ping'];
  status: RealtimeStatus = 'ready';
  remoteStream: MediaStream | null = null;
  disconnects = 0;
  readonly listeners = new Map<string, ((v: never) => void)[]>();
  constructor(readonly options: ConnectOptions) {
    this.sessionId = `ses_${sessions.length + 1}`;
  }
  async send<T = unknown>(command: string, data?: unknown): Promise<T> {
    return { command, data } as T;
  }
  on<K extends keyof RealtimeEvents>(event: K, fn: (v: RealtimeEvents[K]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn as (v: never) => void]);
    return () => undefined;
  }
  off() {}
  emit<K extends keyof RealtimeEvents>(event: K, value: RealtimeEvents[K]) {
    for (const fn of this.listeners.get(event) ?? []) (fn as (v: RealtimeEvents[K]) => void)(value);
  }
  async disconnect() {
    this.disconnects++;
    log.push(`disconnect ${this.sessionId}`);
    await new Promise((r) => setTimeout(r, 10));
    log.push(`disconnected ${this.sessionId}`);
    this.status = 'disconnected';
  }
  /** The platform ends it. */
  close(reason: 'expired' | 'key_revoked') {
    this.status = 'disconnected';
    this.options.onStatusChange?.('disconnected');
    this.emit('closed', { reason });
  }
}

let sessions: ScriptedSession[];
let log: string[];
/** How the next connect goes: 'ready' resolves at once, 'hold' waits until aborted, or an error. */
let next: 'ready' | 'hold' | Error;

const fakeClient = {
  realtime: {
    async connect(options: ConnectOptions) {
      const session = new ScriptedSession(options);
      sessions.push(session);
      log.push(`connect ${session.sessionId} stream=${options.localStream?.id ?? 'none'}`);
      options.onStatusChange?.('connecting');
      if (next instanceof Error) {
        options.onStatusChange?.('disconnected');
        throw next;
      }
      if (next === 'hold')
        await new Promise<void>((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
        });
      options.onStatusChange?.('waiting');
      options.onRemoteStream?.(new FakeStream('remote', []).asMediaStream());
      options.onStatusChange?.('ready');
      return session;
    },
  },
} as unknown as LatchkeyClient;

const store = (extra: Record<string, unknown> = {}) =>
  createRealtimeStore({ client: fakeClient, model: 'echo', ...extra });

beforeEach(() => {
  sessions = [];
  log = [];
  next = 'ready';
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('createRealtimeStore', () => {
  it('starts disconnected, and follows the session through connect', async () => {
    const s = store();
    expect(s.getState()).toEqual({
      status: 'disconnected',
      session: null,
      remoteStream: null,
      localStream: null,
      lastError: null,
      messages: [],
    });
    const seen: RealtimeStatus[] = [];
    const unsubscribe = s.subscribe(() => seen.push(s.getState().status));
    const before = s.getState();
    const session = await s.connect();
    expect(session?.sessionId).toBe('ses_1');
    expect(s.getState()).toMatchObject({ status: 'ready', session });
    expect(s.getState().remoteStream?.id).toBe('remote');
    // connecting, waiting, the remote stream, ready, the session: one notification each.
    expect(seen).toEqual(['connecting', 'waiting', 'waiting', 'ready', 'ready']);
    expect(before.status).toBe('disconnected'); // snapshots are never mutated
    expect(s.getState()).toBe(s.getState());
    unsubscribe();
    await s.send('ping');
    expect(seen).toHaveLength(5);
  });

  it('connect while connecting or connected returns the same session', async () => {
    const s = store();
    const [a, b] = await Promise.all([s.connect(), s.connect()]);
    expect(a).toBe(b);
    expect(await s.connect()).toBe(a);
    expect(sessions).toHaveLength(1);
    // A listener that connects on a status change joins the attempt under way.
    const t = store();
    const joined: Promise<unknown>[] = [];
    t.subscribe(() => joined.push(t.connect()));
    await t.connect();
    await Promise.all(joined);
    expect(sessions).toHaveLength(2);
  });

  it('keeps the latest messages, up to its cap', async () => {
    const s = store();
    await s.connect();
    const onMessage = sessions[0]?.options.onMessage;
    for (let i = 0; i < MAX_STORE_MESSAGES + 5; i++) onMessage?.({ name: 'n', data: i });
    const { messages } = s.getState();
    expect(messages).toHaveLength(MAX_STORE_MESSAGES);
    expect(messages[0]?.data).toBe(5);
  });

  it('a refused connect resolves null with the error in lastError; the next connect clears it', async () => {
    const s = store();
    next = new LatchkeyError('SESSION_LIMIT', 'Too many sessions.');
    await expect(s.connect()).resolves.toBeNull();
    expect(s.getState()).toMatchObject({ status: 'disconnected', session: null });
    expect((s.getState().lastError as LatchkeyError).code).toBe('SESSION_LIMIT');
    next = 'ready';
    await s.connect();
    expect(s.getState()).toMatchObject({ status: 'ready', lastError: null });
  });

  it('disconnect while connecting cancels it (no error); after connect it ends the session', async () => {
    const s = store();
    next = 'hold';
    const pending = s.connect();
    await tick();
    await s.disconnect();
    await expect(pending).resolves.toBeNull();
    expect(s.getState()).toMatchObject({ status: 'disconnected', lastError: null, session: null });
    next = 'ready';
    await s.connect();
    await s.disconnect();
    expect(sessions[1]?.disconnects).toBe(1);
    expect(s.getState()).toMatchObject({
      status: 'disconnected',
      session: null,
      remoteStream: null,
    });
  });

  it("follows a session the platform ends, and a session's error", async () => {
    const s = store();
    await s.connect();
    sessions[0]?.emit('error', new LatchkeyError('NETWORK_ERROR', 'Dropped.'));
    expect((s.getState().lastError as LatchkeyError).code).toBe('NETWORK_ERROR');
    sessions[0]?.close('expired');
    expect(s.getState()).toMatchObject({ status: 'disconnected', session: null });
    await expect(s.send('ping')).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
    await s.connect();
    expect(sessions).toHaveLength(2);
  });

  it('a session the platform ends says why in lastError (SESSION_CLOSED with the reason)', async () => {
    const s = store();
    await s.connect();
    sessions[0]?.close('key_revoked');
    const error = s.getState().lastError as LatchkeyError;
    expect(error.code).toBe('SESSION_CLOSED');
    expect(error.message).toMatch(/ended by the platform \(key_revoked\)/);
    await s.connect();
    expect(s.getState().lastError).toBeNull();
  });

  it('connect waits for a local stream given as a promise, and sends it', async () => {
    const s = store();
    let give: (stream: MediaStream) => void = () => undefined;
    s.setLocalStream(new Promise<MediaStream>((r) => (give = r)));
    const pending = s.connect();
    await tick();
    expect(sessions).toHaveLength(0);
    expect(s.getState().status).toBe('connecting');
    give(new FakeStream('camera', [new FakeTrack('video')]).asMediaStream());
    await pending;
    expect(log).toEqual(['connect ses_1 stream=camera']);
    expect(s.getState().localStream?.id).toBe('camera');
  });

  it('a camera that is refused lands in lastError, and connect goes on without it', async () => {
    const s = store();
    s.setLocalStream(Promise.reject(new Error('NotAllowedError: permission denied')));
    await s.connect();
    expect(log).toEqual(['connect ses_1 stream=none']);
    await tick();
    expect(s.getState().lastError?.message).toMatch(/permission denied/);
  });

  it('a new local stream while connected restarts the session, after the old one is closed', async () => {
    const s = store({ localStream: new FakeStream('front', []).asMediaStream() });
    await s.connect();
    s.setLocalStream(new FakeStream('back', []).asMediaStream());
    await s.connect();
    await tick();
    expect(log).toEqual([
      'connect ses_1 stream=front',
      'disconnect ses_1',
      'disconnected ses_1',
      'connect ses_2 stream=back',
    ]);
    expect(s.getState().session?.sessionId).toBe('ses_2');
    // The same stream again changes nothing.
    s.setLocalStream(s.getState().localStream);
    expect(sessions).toHaveLength(2);
  });

  it('autoConnect connects on its own', async () => {
    const s = store({ autoConnect: true });
    expect(sessions).toHaveLength(0);
    await tick();
    expect(s.getState().status).toBe('ready');
  });

  it('send goes to the session; without one it is SESSION_CLOSED', async () => {
    const s = store();
    await expect(s.send('ping')).rejects.toThrow(
      /There is no echo session \(status disconnected\)/,
    );
    await s.connect();
    await expect(s.send('ping', { a: 1 })).resolves.toEqual({ command: 'ping', data: { a: 1 } });
  });

  it('refuses bad options with a TypeError that names the option', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /createRealtimeStore: pass the options/],
      [{ model: 'echo' }, /pass one of client, token or getToken$/],
      [{ model: 'echo', token: 'a.b.c', getToken: () => 'a.b.c' }, /not token and getToken/],
      [{ model: 'echo', client: {} }, /client must be a client from createClient/],
      [{ model: 'echo', getToken: 'x' }, /getToken must be a function/],
      [{ model: 'echo', token: 'rk_abc' }, /token: this is an API key/],
      [{ getToken: () => 'a.b.c' }, /model must be the name of a realtime model/],
      [{ model: 'echo', getToken: () => 'a.b.c', autoconnect: true }, /did you mean "autoConnect"/],
      [{ model: 'echo', client: fakeClient, localStream: {} }, /localStream must be a MediaStream/],
    ];
    for (const [options, message] of cases) {
      expect(() => createRealtimeStore(options as never)).toThrow(TypeError);
      expect(() => createRealtimeStore(options as never)).toThrow(message);
    }
    expect(() => store().setLocalStream({} as never)).toThrow(/setLocalStream: pass a MediaStream/);
    expect(() => store().subscribe(1 as never)).toThrow(TypeError);
  });
});
