// A ready session whose transport drops, against the WebRTC stand-ins: when it
// counts as dropped, the reconnect on the same session (new peer connection, new
// offer, a fresh token), and when the session ends instead.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClient,
  type LatchkeyError,
  type RealtimeSession,
  type RealtimeStatus,
} from '../src/index.js';
import { FakePeer, FakePeerConnection, fakePlatform, log } from './fake-webrtc.js';

const token = (n: number) =>
  `header.${btoa(JSON.stringify({ exp: 4102444800, n })).replace(/=+$/, '')}.sig`;

let platform: ReturnType<typeof fakePlatform>;
let resolved: string[];
let session: RealtimeSession;
let statuses: RealtimeStatus[];
let closed: string[];
let errors: LatchkeyError[];
let streams: string[];

async function open(
  options: { maxReconnectAttempts?: number; mediaConnectTimeoutMs?: number } = {},
) {
  resolved = [];
  const client = createClient({
    token: () => {
      const t = token(resolved.length + 1);
      resolved.push(t);
      return t;
    },
    baseUrl: 'http://platform.test',
    fetch: platform.fetch,
    maxRetries: 0,
  });
  statuses = [];
  closed = [];
  errors = [];
  streams = [];
  session = await client.realtime.connect({
    model: 'echo',
    RTCPeerConnection: FakePeer,
    onStatusChange: (s) => statuses.push(s),
    onRemoteStream: (s) => streams.push(s.id),
    ...options,
  });
  session.on('closed', ({ reason }) => closed.push(reason));
  session.on('error', (e) => errors.push(e));
}

beforeEach(() => {
  FakePeerConnection.reset();
  platform = fakePlatform();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Waits for `check` (vi.waitFor: under fake timers it advances them as it polls). */
const until = (check: () => boolean) =>
  vi.waitFor(
    () => {
      if (!check()) throw new Error(`condition not met; log: ${log.join(', ')}`);
    },
    { timeout: 5000, interval: 5 },
  );

describe('a dropped transport', () => {
  it('failed: reconnects on the same session with a new peer connection and offer', async () => {
    await open();
    FakePeerConnection.onCommand = undefined;
    const pending = session.send('ping');
    const first = FakePeerConnection.last;
    log.length = 0;
    first.setState('failed');
    await expect(pending).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(session.status).toBe('reconnecting');
    await until(() => session.status === 'ready');
    expect(first.closed).toBe(true);
    expect(log).toEqual([
      'pc#1 close',
      'GET /v1/sessions/{id}',
      'pc#2 new',
      'pc#2 transceiver',
      'pc#2 channel latchkey',
      'pc#2 createOffer',
      'pc#2 gathered',
      'POST /v1/sessions/{id}/offer',
      'pc#2 answer answer-to-offer-2+candidates',
    ]);
    expect(platform.requests.filter((r) => r.path === '/v1/sessions').length).toBe(1);
    expect(statuses).toEqual(['connecting', 'waiting', 'ready', 'reconnecting', 'ready']);
    expect(streams).toEqual(['remote-1', 'remote-2']);
    expect(session.remoteStream?.id).toBe('remote-2');
    FakePeerConnection.reset();
    await expect(session.send('ping')).resolves.toEqual({ pong: true });
    expect(closed).toEqual([]);
  });

  it('the data channel closing without a closing message counts as a drop', async () => {
    await open();
    FakePeerConnection.last.channel.drop();
    expect(session.status).toBe('reconnecting');
    await until(() => session.status === 'ready');
    expect(FakePeerConnection.created).toHaveLength(2);
  });

  it('disconnected counts only after 2 s: a blip that recovers is not a drop', async () => {
    await open();
    vi.useFakeTimers();
    const pc = FakePeerConnection.last;
    pc.setState('disconnected');
    await vi.advanceTimersByTimeAsync(1_999);
    pc.setState('connected');
    pc.setState('disconnected');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(session.status).toBe('ready');
    await vi.advanceTimersByTimeAsync(1);
    expect(session.status).toBe('reconnecting');
    await until(() => session.status === 'ready');
  });

  it('a session the platform already closed ends with its reason, without a new offer', async () => {
    await open();
    const record = platform.sessions.get(session.sessionId);
    if (record) Object.assign(record, { state: 'closed', closeReason: 'transport_lost' });
    FakePeerConnection.last.setState('failed');
    await until(() => session.status === 'disconnected');
    expect(closed).toEqual(['transport_lost']);
    expect(FakePeerConnection.created).toHaveLength(1);
    expect(statuses.slice(-2)).toEqual(['reconnecting', 'disconnected']);
    expect(errors).toEqual([]);
  });

  it('asks the resolver for a fresh token when the platform refuses the cached one', async () => {
    await open();
    expect(resolved).toHaveLength(1);
    platform.tokens.push(token(2));
    FakePeerConnection.last.setState('failed');
    await until(() => session.status === 'ready');
    expect(resolved).toHaveLength(2);
    const gets = platform.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.authorization)).toEqual([`Bearer ${token(1)}`, `Bearer ${token(2)}`]);
    const offers = platform.requests.filter((r) => r.path.endsWith('/offer'));
    expect(offers.at(-1)?.authorization).toBe(`Bearer ${token(2)}`);
  });

  it('gives up after its attempts: an error, closed with transport_lost, and a DELETE', async () => {
    await open({ maxReconnectAttempts: 2 });
    platform.refusals.push(
      { route: 'POST offer', status: 502, code: 'UNAVAILABLE' },
      { route: 'POST offer', status: 502, code: 'UNAVAILABLE' },
    );
    const started = Date.now();
    FakePeerConnection.last.setState('failed');
    await until(() => session.status === 'disconnected');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // one backoff of 1 s
    expect(errors.map((e) => e.code)).toEqual(['UNAVAILABLE']);
    expect(closed).toEqual(['transport_lost']);
    await until(() => platform.sessions.get(session.sessionId)?.state === 'closed');
    expect(log.filter((l) => l === 'POST /v1/sessions/{id}/offer')).toHaveLength(3);
  });

  it('ICE fails mid-session and the media does not come back: reconnecting, then MEDIA_CONNECT_FAILED', async () => {
    await open({ maxReconnectAttempts: 1, mediaConnectTimeoutMs: 50 });
    FakePeerConnection.autopilot.ready = false;
    FakePeerConnection.last.setState('failed');
    expect(session.status).toBe('reconnecting');
    await until(() => session.status === 'disconnected');
    expect(errors.map((e) => e.code)).toEqual(['MEDIA_CONNECT_FAILED']);
    expect(statuses).toEqual(['connecting', 'waiting', 'ready', 'reconnecting', 'disconnected']);
    expect(closed).toEqual(['transport_lost']);
    await until(() => platform.sessions.get(session.sessionId)?.state === 'closed');
  });

  it('a refusal that will not change (the session is not found) ends it at once', async () => {
    await open();
    platform.refusals.push({ route: 'GET session', status: 404, code: 'NOT_FOUND' });
    FakePeerConnection.last.setState('failed');
    await until(() => session.status === 'disconnected');
    expect(errors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(closed).toEqual(['transport_lost']);
    expect(FakePeerConnection.created).toHaveLength(1);
  });

  it('with reconnecting off, a drop ends the session', async () => {
    await open({ maxReconnectAttempts: 0 });
    FakePeerConnection.last.setState('failed');
    await until(() => session.status === 'disconnected');
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^The media connection failed, and reconnecting is off\./),
    ]);
    expect(closed).toEqual(['transport_lost']);
  });

  it('disconnect() during a reconnect stops it', async () => {
    await open();
    FakePeerConnection.autopilot.ready = false;
    FakePeerConnection.last.setState('failed');
    await until(() => log.includes('pc#2 answer answer-to-offer-2+candidates'));
    await session.disconnect();
    expect(session.status).toBe('disconnected');
    expect(closed).toEqual(['client_closed']);
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(platform.sessions.get(session.sessionId)?.closeReason).toBe('client_closed');
  });
});
