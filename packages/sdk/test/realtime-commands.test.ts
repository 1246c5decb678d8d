// A ready session's data channel, against the WebRTC stand-ins: commands and their
// replies, the model's messages, the runtime's closing message, and disconnect().
import { MAX_MESSAGE_BYTES } from '@latchkey/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, LatchkeyError, type RealtimeSession } from '../src/index.js';
import { FakePeer, FakePeerConnection, fakePlatform, log } from './fake-webrtc.js';

const TOKEN = 'header.eyJleHAiOjQxMDI0NDQ4MDB9.signature';

let platform: ReturnType<typeof fakePlatform>;
let session: RealtimeSession;
const messages: unknown[] = [];

beforeEach(async () => {
  FakePeerConnection.reset();
  platform = fakePlatform();
  messages.length = 0;
  const client = createClient({
    token: TOKEN,
    baseUrl: 'http://platform.test',
    fetch: platform.fetch,
    maxRetries: 0,
  });
  session = await client.realtime.connect({
    model: 'echo',
    RTCPeerConnection: FakePeer,
    onMessage: (m) => messages.push(m),
  });
});

const channel = () => FakePeerConnection.last.channel;

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

describe('send', () => {
  it('sends a command with an id and resolves with the reply data', async () => {
    await expect(session.send('ping')).resolves.toEqual({ pong: true });
    expect(JSON.parse(channel().sent[0] ?? '')).toEqual({
      type: 'command',
      id: 'c1',
      name: 'ping',
    });
  });

  it('matches replies by id, whatever their order', async () => {
    FakePeerConnection.onCommand = undefined;
    const a = session.send('set_prompt', { prompt: 'a' });
    const b = session.send('set_prompt', { prompt: 'b' });
    const [first, second] = channel().sent.map(
      (t) => JSON.parse(t) as { id: string; data: unknown },
    );
    expect(first?.data).toEqual({ prompt: 'a' });
    channel().receive({ type: 'reply', id: second?.id, ok: true, data: 'B' });
    channel().receive({ type: 'reply', id: 'c999', ok: true, data: 'stray' });
    channel().receive({ type: 'reply', id: first?.id, ok: true, data: 'A' });
    await expect(Promise.all([a, b])).resolves.toEqual(['A', 'B']);
  });

  it("rejects with the model's code: UNKNOWN_COMMAND, INVALID_REQUEST, COMMAND_FAILED", async () => {
    FakePeerConnection.onCommand = (ch, command) => {
      const code = {
        nope: 'UNKNOWN_COMMAND',
        set_prompt: 'INVALID_REQUEST',
        boom: 'COMMAND_FAILED',
      }[command.name];
      ch.receive({
        type: 'reply',
        id: command.id,
        ok: false,
        error: { code, message: `said ${code}` },
      });
    };
    for (const [name, code, status] of [
      ['nope', 'UNKNOWN_COMMAND', 400],
      ['set_prompt', 'INVALID_REQUEST', 400],
      ['boom', 'COMMAND_FAILED', 500],
    ] as const) {
      const error = await rejection(session.send(name, { prompt: '' }));
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`The model answered "${name}" with ${code}: said ${code}`);
    }
    expect(session.status).toBe('ready');
  });

  it('rejects with TIMEOUT when no reply comes in time', async () => {
    FakePeerConnection.onCommand = undefined;
    const error = await rejection(session.send('ping', undefined, { timeoutMs: 30 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/did not reply to "ping" within 30 ms/);
  });

  it('refuses a bad command name, unserialisable data and oversize data with a TypeError', async () => {
    await expect(session.send('no spaces')).rejects.toThrow(/"no spaces" is not a command name/);
    await expect(session.send(42 as never)).rejects.toThrow(TypeError);
    await expect(session.send('ping', { n: 1n })).rejects.toThrow(/serialisable as JSON/);
    await expect(session.send('ping', 'x'.repeat(MAX_MESSAGE_BYTES))).rejects.toThrow(
      `over ${MAX_MESSAGE_BYTES} bytes`,
    );
    await expect(session.send('ping', undefined, { timeoutMs: -1 })).rejects.toThrow(
      /timeoutMs must be a number/,
    );
    expect(channel().sent).toEqual([]);
  });
});

describe('messages from the runtime', () => {
  it("hands the model's messages to onMessage and on('message'), and ignores what it cannot parse", () => {
    const seen: unknown[] = [];
    session.on('message', (m) => seen.push(m));
    channel().receive({ type: 'message', name: 'prompt', data: { prompt: 'hi' } });
    channel().receive({ type: 'mystery' });
    channel().receive({ type: 'message', name: 'bad name!' });
    expect(messages).toEqual([{ name: 'prompt', data: { prompt: 'hi' } }]);
    expect(seen).toEqual(messages);
  });

  it('a listener that throws does not stop the others; on() refuses unknown events', () => {
    const seen: string[] = [];
    session.on('message', () => {
      throw new Error('listener bug');
    });
    session.on('message', () => seen.push('second'));
    vi.useFakeTimers();
    try {
      channel().receive({ type: 'message', name: 'x' });
      // The listener's error is rethrown on a fresh task, for the page's error reporting.
      expect(vi.getTimerCount()).toBe(1);
      vi.clearAllTimers();
    } finally {
      vi.useRealTimers();
    }
    expect(seen).toEqual(['second']);
    expect(() => session.on('ready' as never, () => undefined)).toThrow(
      /unknown event "ready"; the events are status, message, remoteStream, error, closed/,
    );
  });

  it("'closing' ends the session with the runtime's reason; pending commands reject; no DELETE", async () => {
    FakePeerConnection.onCommand = undefined;
    const statuses: string[] = [];
    const closed: string[] = [];
    session.on('status', (s) => statuses.push(s));
    session.on('closed', ({ reason }) => closed.push(reason));
    const pending = session.send('ping');
    channel().receive({ type: 'closing', reason: 'expired' });
    const error = await rejection(pending);
    expect(error.code).toBe('SESSION_CLOSED');
    expect(error.message).toMatch(/ended \(expired\)/);
    expect(statuses).toEqual(['disconnected']);
    expect(closed).toEqual(['expired']);
    expect(session.status).toBe('disconnected');
    expect(FakePeerConnection.last.closed).toBe(true);
    expect((await rejection(session.send('ping'))).code).toBe('SESSION_CLOSED');
    await session.disconnect();
    expect(log.filter((l) => l.startsWith('DELETE'))).toEqual([]);
  });
});

describe('disconnect', () => {
  it('closes the session on the platform and the peer connection; idempotent', async () => {
    const closed: string[] = [];
    session.on('closed', ({ reason }) => closed.push(reason));
    await Promise.all([session.disconnect(), session.disconnect()]);
    await session.disconnect();
    expect(session.status).toBe('disconnected');
    expect(FakePeerConnection.last.closed).toBe(true);
    expect(platform.sessions.get(session.sessionId)).toMatchObject({
      state: 'closed',
      closeReason: 'client_closed',
    });
    expect(log.filter((l) => l.startsWith('DELETE'))).toHaveLength(1);
    expect(closed).toEqual(['client_closed']);
    expect((await rejection(session.send('ping'))).code).toBe('SESSION_CLOSED');
  });

  it("reports a platform it cannot reach on 'error', and still ends locally", async () => {
    platform.refusals.push({ route: 'DELETE session', status: 500, code: 'INTERNAL_ERROR' });
    const errors: string[] = [];
    session.on('error', (e) => errors.push(e.code));
    await session.disconnect();
    expect(errors).toEqual(['INTERNAL_ERROR']);
    expect(session.status).toBe('disconnected');
  });
});
