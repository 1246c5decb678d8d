// Sessions over a real transport: a werift peer in the browser's role on loopback.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineRealtimeModel } from '../src/model.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { FakeBrowser, recordEvents, token, verifyToken } from './helpers.js';

const started = vi.fn();
const ended = vi.fn();
const chat = defineRealtimeModel({
  name: 'chat',
  description: 'commands only',
  tracks: { input: [], output: [] },
  createState: () => ({ said: [] as string[] }),
  commands: {
    say: {
      schema: z.strictObject({ text: z.string().min(1) }),
      handler: ({ text }, ctx) => {
        ctx.state.said.push(text);
        ctx.send('heard', { text, count: ctx.state.said.length });
        return { count: ctx.state.said.length };
      },
    },
    fail: {
      schema: z.any(),
      handler: () => {
        throw new Error('secret detail');
      },
    },
  },
  onSessionStart: (ctx) => started(ctx.sessionId, ctx.grant.metadata),
  onSessionEnd: (ctx, reason) => ended(ctx.sessionId, reason, ctx.signal.aborted),
});
const broken = defineRealtimeModel({
  name: 'broken',
  description: 'cannot start',
  tracks: { input: [], output: [] },
  commands: {},
  onSessionStart: () => {
    throw new Error('no GPU');
  },
});

const runtimes: Runtime[] = [];
const browsers: FakeBrowser[] = [];
afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  started.mockReset();
  ended.mockReset();
});

async function setup(
  options: Partial<Parameters<typeof createRuntime>[0]> = {},
  expiresInMs = 60_000,
) {
  const runtime = createRuntime({ verifyToken, models: [chat, broken], ...options });
  runtimes.push(runtime);
  const events = recordEvents(runtime);
  const open = async (sessionId: string, model = 'chat') => {
    const opened = await runtime.openSession({
      sessionId,
      model,
      token: token({ metadata: { user: 'u_1' } }),
      origin: null,
      expiresAt: Date.now() + expiresInMs,
    });
    expect(opened.ok).toBe(true);
  };
  const browser = () => {
    const b = new FakeBrowser();
    browsers.push(b);
    return b;
  };
  return { runtime, events, open, browser };
}

describe('a session over a transport', () => {
  it('goes waiting → active, says ready, answers commands and carries model messages', async () => {
    const { runtime, events, open, browser } = await setup();
    await open('ses_1');
    const b = browser();
    expect(await b.connect(runtime, 'ses_1')).toEqual({
      type: 'ready',
      sessionId: 'ses_1',
      model: 'chat',
      commands: ['say', 'fail'],
    });
    expect(events.events.map((e) => e.type)).toEqual(['session-waiting', 'session-active']);
    expect(started).toHaveBeenCalledWith('ses_1', { user: 'u_1' });
    expect(runtime.stats().sessions).toEqual({ created: 0, waiting: 0, active: 1 });

    expect(await b.command('say', { text: 'hello' }, 'c1')).toEqual({
      type: 'reply',
      id: 'c1',
      ok: true,
      data: { count: 1 },
    });
    expect(await b.next((m) => m.type === 'message')).toEqual({
      type: 'message',
      name: 'heard',
      data: { text: 'hello', count: 1 },
    });
    expect(await b.command('say', {}, 'c2')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await b.command('shout', {}, 'c3')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_COMMAND' },
    });
    expect(await b.command('fail', {}, 'c4')).toEqual({
      type: 'reply',
      id: 'c4',
      ok: false,
      error: { code: 'COMMAND_FAILED', message: 'the command "fail" failed' },
    });
  });

  it('ignores binary, unparseable and non-command messages, and counts them', async () => {
    const { runtime, open, browser } = await setup();
    await open('ses_1');
    const b = browser();
    await b.connect(runtime, 'ses_1');
    b.channel.send(Buffer.from([1, 2, 3]));
    b.channel.send('{"type":"command"');
    // (Larger than MAX_MESSAGE_BYTES cannot be sent at all: SCTP's max-message-size is the
    // same 64 KiB. commands.test.ts covers the runtime's own size check.)
    b.channel.send(JSON.stringify({ type: 'hello', id: 'x', name: 'say' }));
    // Ordered channel: once this reply is here, the three before it have been handled.
    await b.command('say', { text: 'after' }, 'c1');
    expect(runtime.stats().ignoredMessages).toBe(3);
    expect(
      b.messages.filter((m) => m.type === 'reply').map((m) => m.type === 'reply' && m.id),
    ).toEqual(['c1']);
  });

  it('closeSession says closing with the reason first; the model hears the end once', async () => {
    const { runtime, events, open, browser } = await setup();
    await open('ses_1');
    const b = browser();
    await b.connect(runtime, 'ses_1');
    await runtime.closeSession('ses_1', 'key_revoked');
    expect(b.messages.at(-1)).toEqual({ type: 'closing', reason: 'key_revoked' });
    await b.closed;
    expect(events.events.at(-1)).toMatchObject({ type: 'session-closed', reason: 'key_revoked' });
    expect(ended).toHaveBeenCalledExactlyOnceWith('ses_1', 'key_revoked', true);
  });

  it('a transport that drops closes the session transport_lost after the grace period', async () => {
    const { runtime, events, open, browser } = await setup({ reconnectGraceMs: 200 });
    await open('ses_1');
    const b = browser();
    await b.connect(runtime, 'ses_1');
    const droppedAt = Date.now();
    await b.close();
    const closed = await events.next('session-closed', 'ses_1');
    expect(closed).toMatchObject({ reason: 'transport_lost' });
    expect(closed.at - droppedAt).toBeGreaterThanOrEqual(200);
    expect(runtime.liveSessions()).toEqual([]);
  });

  it('a new offer within the grace period reconnects: ready again, same session, same state', async () => {
    const { runtime, events, open, browser } = await setup({ reconnectGraceMs: 10_000 });
    await open('ses_1');
    const first = browser();
    await first.connect(runtime, 'ses_1');
    await first.command('say', { text: 'one' });
    await first.close();
    const second = browser();
    await second.connect(runtime, 'ses_1');
    expect(await second.command('say', { text: 'two' }, 'c2')).toMatchObject({
      ok: true,
      data: { count: 2 },
    });
    expect(events.events.map((e) => e.type)).toEqual(['session-waiting', 'session-active']);
    expect(started).toHaveBeenCalledTimes(1);
    expect(runtime.liveSessions()).toEqual(['ses_1']);
  });

  it('a second offer while connected replaces the first transport', async () => {
    const { runtime, events, open, browser } = await setup();
    await open('ses_1');
    const first = browser();
    await first.connect(runtime, 'ses_1');
    const second = browser();
    await second.connect(runtime, 'ses_1');
    await first.closed;
    expect(await second.command('say', { text: 'still here' })).toMatchObject({ ok: true });
    expect(events.events.map((e) => e.type)).toEqual(['session-waiting', 'session-active']);
  });

  it('ends at expiresAt with closing expired', async () => {
    const { runtime, events, open, browser } = await setup({}, 1500);
    await open('ses_1');
    const b = browser();
    await b.connect(runtime, 'ses_1');
    expect(await events.next('session-closed', 'ses_1')).toMatchObject({ reason: 'expired' });
    expect(b.messages.at(-1)).toEqual({ type: 'closing', reason: 'expired' });
  });

  it('a model whose onSessionStart throws ends the session model_error, never ready', async () => {
    const { runtime, events, open, browser } = await setup();
    await open('ses_1', 'broken');
    const b = browser();
    const answer = await runtime.offer('ses_1', await b.offer());
    if (!answer.ok) throw new Error(answer.code);
    await b.pc.setRemoteDescription({ type: 'answer', sdp: answer.value.sdp });
    expect(await events.next('session-closed', 'ses_1')).toMatchObject({ reason: 'model_error' });
    expect(b.messages.map((m) => m.type)).not.toContain('ready');
    expect(events.events.map((e) => e.type)).toEqual(['session-waiting', 'session-closed']);
  });
});
