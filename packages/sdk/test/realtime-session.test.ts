// The realtime client's own protocol handling, against stand-ins for WebRTC and the
// session routes (test/fake-webrtc.ts): the order of the connect flow, statuses,
// commands and their replies, the runtime's closing message, disconnect, transport
// drops and reconnects, option checks. Real media and the real server: realtime-browser.test.ts.
import { generateKey } from '@latchkey/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, LatchkeyError, type RealtimeStatus } from '../src/index.js';
import {
  FakePeer,
  FakePeerConnection,
  FakeStream,
  FakeTrack,
  fakePlatform,
  log,
} from './fake-webrtc.js';

const TOKEN = 'header.eyJleHAiOjQxMDI0NDQ4MDB9.signature'; // exp in 2100

let platform: ReturnType<typeof fakePlatform>;
beforeEach(() => {
  FakePeerConnection.reset();
  platform = fakePlatform();
});

const client = (options: Parameters<typeof createClient>[0] = {}) =>
  createClient({
    token: TOKEN,
    baseUrl: 'http://platform.test',
    fetch: platform.fetch,
    maxRetries: 0,
    ...options,
  });

const connect = (options: Record<string, unknown> = {}, c = client()) => {
  const statuses: RealtimeStatus[] = [];
  const promise = c.realtime.connect({
    model: 'echo',
    RTCPeerConnection: FakePeer,
    onStatusChange: (s) => statuses.push(s),
    ...options,
  });
  return { promise, statuses };
};

async function rejection(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}

const until = (check: () => boolean, ms = 2000) =>
  vi.waitFor(
    () => {
      if (!check()) throw new Error('condition not met');
    },
    { timeout: ms, interval: 5 },
  );

describe('connect', () => {
  it('opens the session before any peer connection, negotiates, and resolves when the model is ready', async () => {
    const remote: string[] = [];
    const { promise, statuses } = connect({
      onRemoteStream: (s: MediaStream) => remote.push(s.id),
    });
    const session = await promise;
    expect(log).toEqual([
      'POST /v1/sessions',
      'pc#1 new',
      'pc#1 transceiver',
      'pc#1 channel latchkey',
      'pc#1 createOffer',
      'pc#1 gathered',
      'POST /v1/sessions/{id}/offer',
      'pc#1 answer answer-to-offer-1+candidates',
    ]);
    const pc = FakePeerConnection.last;
    expect(pc.configuration).toEqual({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    expect(pc.transceivers).toEqual([{ kindOrTrack: 'video', direction: 'recvonly', streams: [] }]);
    expect(pc.channel.options).toEqual({ ordered: true });
    expect(platform.requests[0]).toMatchObject({
      body: { model: 'echo' },
      authorization: `Bearer ${TOKEN}`,
    });
    expect(platform.requests[1]?.body).toEqual({ sdp: 'offer-1+candidates' });
    expect(statuses).toEqual(['connecting', 'waiting', 'ready']);
    expect(session.status).toBe('ready');
    expect(session.sessionId).toBe('ses_1');
    expect(session.model).toBe('echo');
    expect(session.commands).toEqual(['ping', 'set_prompt']);
    expect(remote).toEqual(['remote-1']);
    expect(session.remoteStream?.id).toBe('remote-1');
  });

  it('sends each local track on a sendrecv transceiver, and receives video when the stream has none', async () => {
    const camera = new FakeStream('camera', [new FakeTrack('video'), new FakeTrack('audio')]);
    await connect({ localStream: camera.asMediaStream() }).promise;
    expect(FakePeerConnection.last.transceivers).toEqual([
      { kindOrTrack: 'track:video', direction: 'sendrecv', streams: ['camera'] },
      { kindOrTrack: 'track:audio', direction: 'sendrecv', streams: ['camera'] },
    ]);
    const mic = new FakeStream('mic', [new FakeTrack('audio')]);
    await connect({ localStream: mic.asMediaStream() }).promise;
    expect(FakePeerConnection.last.transceivers).toEqual([
      { kindOrTrack: 'track:audio', direction: 'sendrecv', streams: ['mic'] },
      { kindOrTrack: 'video', direction: 'recvonly', streams: [] },
    ]);
  });

  it('a refusal rejects with the platform code and creates no peer connection', async () => {
    for (const [status, code] of [
      [403, 'MODEL_NOT_ALLOWED'],
      [403, 'ORIGIN_NOT_ALLOWED'],
      [409, 'SESSION_LIMIT'],
      [404, 'MODEL_NOT_FOUND'],
    ] as const) {
      platform.refusals.push({ route: 'POST sessions', status, code });
      const { promise, statuses } = connect();
      const error = await rejection(promise);
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(statuses).toEqual(['connecting', 'disconnected']);
    }
    expect(FakePeerConnection.created).toHaveLength(0);
  });

  it('does not wait for ICE gathering past its bound', async () => {
    FakePeerConnection.gatheringCompletes = false;
    const started = Date.now();
    await connect({ iceGatheringTimeoutMs: 60 }).promise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(platform.requests[1]?.body).toEqual({ sdp: 'offer-1' });
  });

  it('a model that never says ready: TIMEOUT, and the session is closed on the platform', async () => {
    FakePeerConnection.autopilot.ready = false;
    const { promise, statuses } = connect({ readyTimeoutMs: 50 });
    const error = await rejection(promise);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/did not become ready within 50 ms/);
    expect(statuses).toEqual(['connecting', 'waiting', 'disconnected']);
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(platform.sessions.get('ses_1')?.closeReason).toBe('client_closed');
  });

  it('media that never connects: MEDIA_CONNECT_FAILED at its bound, naming the cause and the fix, and the session closed on the platform', async () => {
    FakePeerConnection.autopilot.ready = false;
    const { promise, statuses } = connect({ mediaConnectTimeoutMs: 50 });
    const error = await rejection(promise);
    expect(error.code).toBe('MEDIA_CONNECT_FAILED');
    expect(error.message).toMatch(
      /^The media connection did not come up within 50 ms: no ICE candidate pair between this browser and the model's runtime succeeded\. Is the runtime's address reachable from the browser\?/,
    );
    for (const fix of [
      'LATCHKEY_ICE_HOST_ADDRESSES',
      'LATCHKEY_ICE_ANNOUNCED_ADDRESS',
      'LATCHKEY_TURN_URLS',
    ])
      expect(error.message).toContain(fix);
    expect(error.status).toBe(502);
    expect(statuses).toEqual(['connecting', 'waiting', 'disconnected']);
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(platform.sessions.get('ses_1')?.closeReason).toBe('client_closed');
  });

  it('ICE failing before the media connected is MEDIA_CONNECT_FAILED at once, not after the bound', async () => {
    FakePeerConnection.autopilot.ready = false;
    const { promise } = connect();
    await until(() => (FakePeerConnection.created[0]?.remoteDescription ?? null) !== null);
    FakePeerConnection.last.setState('failed');
    const error = await rejection(promise);
    expect(error.code).toBe('MEDIA_CONNECT_FAILED');
    expect(error.message).toMatch(/^ICE failed: no ICE candidate pair/);
    expect(platform.sessions.get('ses_1')?.closeReason).toBe('client_closed');
  });

  it('the media bound ends once the transport connects: a slow model is TIMEOUT, not MEDIA_CONNECT_FAILED', async () => {
    FakePeerConnection.autopilot.ready = false;
    const { promise } = connect({ mediaConnectTimeoutMs: 20, readyTimeoutMs: 300 });
    await until(() => (FakePeerConnection.created[0]?.remoteDescription ?? null) !== null);
    FakePeerConnection.last.runtimeConnects({ ready: false });
    const error = await rejection(promise);
    expect(error.code).toBe('TIMEOUT');
  });

  it('iceTransportPolicy reaches the peer connection', async () => {
    const session = await connect({ iceTransportPolicy: 'relay' }).promise;
    expect(FakePeerConnection.last.configuration).toMatchObject({ iceTransportPolicy: 'relay' });
    await session.disconnect();
  });

  it('a refused offer rejects with its code and closes everything', async () => {
    platform.refusals.push({ route: 'POST offer', status: 503, code: 'MODEL_UNAVAILABLE' });
    const error = await rejection(connect().promise);
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(log.at(-1)).toBe('DELETE /v1/sessions/{id}');
  });

  it('aborting while connecting rejects with the reason and cleans up; aborting later disconnects', async () => {
    FakePeerConnection.autopilot.ready = false;
    const controller = new AbortController();
    const { promise } = connect({ signal: controller.signal });
    await until(() => log.includes('pc#1 answer answer-to-offer-1+candidates'));
    controller.abort(new Error('user left'));
    await expect(promise).rejects.toThrow('user left');
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(platform.sessions.get('ses_1')?.state).toBe('closed');

    FakePeerConnection.autopilot.ready = true;
    const later = new AbortController();
    const session = await connect({ signal: later.signal }).promise;
    const closed: string[] = [];
    session.on('closed', ({ reason }) => closed.push(reason));
    later.abort();
    await until(() => platform.sessions.get('ses_2')?.state === 'closed');
    expect(closed).toEqual(['client_closed']);
  });

  it('refuses bad options with a TypeError that names the option', async () => {
    const c = client();
    const cases: [unknown, RegExp][] = [
      [undefined, /realtime\.connect: pass the options/],
      [{}, /model must be a model name/],
      [{ model: '../admin' }, /model must be a model name.*"\.\.\/admin"/],
      [{ model: 'echo', locaStream: 1 }, /unknown option "locaStream"/],
      [{ model: 'echo', localstream: 1 }, /did you mean "localStream"/],
      [{ model: 'echo', localStream: {} }, /localStream must be a MediaStream/],
      [{ model: 'echo', onMessage: 'x' }, /onMessage must be a function/],
      [{ model: 'echo', signal: {} }, /signal must be an AbortSignal/],
      [
        { model: 'echo', maxReconnectAttempts: 11 },
        /maxReconnectAttempts must be a whole number from 0 to 10/,
      ],
      [{ model: 'echo', readyTimeoutMs: 0 }, /readyTimeoutMs must be a number/],
      [{ model: 'echo', mediaConnectTimeoutMs: -1 }, /mediaConnectTimeoutMs must be a number/],
      [
        { model: 'echo', iceTransportPolicy: 'turn' },
        /iceTransportPolicy must be 'all' or 'relay'/,
      ],
      [{ model: 'echo', RTCPeerConnection: {} }, /RTCPeerConnection must be a class/],
    ];
    for (const [options, message] of cases) {
      const withPeer = options && { RTCPeerConnection: FakePeer, ...options };
      await expect(c.realtime.connect(withPeer as never)).rejects.toThrow(message);
    }
    await expect(c.realtime.connect({ model: 'echo' })).rejects.toThrow(
      /this runtime has no RTCPeerConnection: realtime sessions run in a browser, or pass a WebRTC polyfill/,
    );
    await expect(c.realtime.connect({} as never)).rejects.toBeInstanceOf(TypeError);
    expect(platform.requests).toHaveLength(0);
  });

  it('an API key client connects where an RTCPeerConnection is given (a server with a polyfill)', async () => {
    const key = generateKey('app');
    const session = await connect({}, client({ token: undefined, apiKey: key })).promise;
    expect(session.status).toBe('ready');
    expect(platform.requests[0]?.authorization).toBe(`Bearer ${key}`);
  });
});
