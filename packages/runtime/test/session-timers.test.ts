// Session lifecycle on a frozen clock: connect timeout, expiry, close, shutdown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineRealtimeModel } from '../src/model.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { recordEvents, token, verifyToken } from './helpers.js';

const ended = vi.fn();
const model = defineRealtimeModel({
  name: 'quiet',
  description: 'no media',
  tracks: { input: [], output: [] },
  commands: {},
  onSessionEnd: (ctx, reason) => ended(ctx.sessionId, reason),
});

let runtime: Runtime;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  ended.mockReset();
});
afterEach(async () => {
  await runtime?.close();
  vi.useRealTimers();
});

async function open(sessionId: string, expiresInMs = 600_000) {
  const opened = await runtime.openSession({
    sessionId,
    model: 'quiet',
    token: token(),
    origin: null,
    expiresAt: Date.now() + expiresInMs,
  });
  expect(opened.ok).toBe(true);
  return runtime;
}

describe('session timers', () => {
  it('a session with no transport closes connect_timeout after connectTimeoutMs, not before', async () => {
    runtime = createRuntime({ verifyToken, models: [model], connectTimeoutMs: 30_000 });
    const events = recordEvents(runtime);
    await open('ses_1');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(runtime.liveSessions()).toEqual(['ses_1']);
    await vi.advanceTimersByTimeAsync(1);
    await events.next('session-closed', 'ses_1');
    expect(events.events).toEqual([
      { type: 'session-closed', sessionId: 'ses_1', reason: 'connect_timeout', at: Date.now() },
    ]);
    expect(runtime.liveSessions()).toEqual([]);
    expect(ended).toHaveBeenCalledWith('ses_1', 'connect_timeout');
  });

  it('a session ends expired at its expiresAt', async () => {
    runtime = createRuntime({ verifyToken, models: [model], connectTimeoutMs: 3_600_000 });
    const events = recordEvents(runtime);
    await open('ses_1', 5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(events.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await events.next('session-closed', 'ses_1')).toMatchObject({ reason: 'expired' });
  });

  it('closeSession is idempotent: one event, one onSessionEnd, and the timers are gone', async () => {
    runtime = createRuntime({ verifyToken, models: [model] });
    const events = recordEvents(runtime);
    await open('ses_1');
    expect(vi.getTimerCount()).toBe(2); // expiry and connect timeout
    await Promise.all([
      runtime.closeSession('ses_1', 'key_revoked'),
      runtime.closeSession('ses_1', 'client_closed'),
    ]);
    await runtime.closeSession('ses_1', 'client_closed');
    expect(events.events).toEqual([
      { type: 'session-closed', sessionId: 'ses_1', reason: 'key_revoked', at: Date.now() },
    ]);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() ends every session runtime_shutdown and takes no new ones', async () => {
    runtime = createRuntime({ verifyToken, models: [model] });
    const events = recordEvents(runtime);
    await open('ses_1');
    await open('ses_2');
    await runtime.close();
    expect(events.events.map((e) => [e.sessionId, e.type, 'reason' in e && e.reason])).toEqual([
      ['ses_1', 'session-closed', 'runtime_shutdown'],
      ['ses_2', 'session-closed', 'runtime_shutdown'],
    ]);
    const again = await runtime.openSession({
      sessionId: 'ses_3',
      model: 'quiet',
      token: token(),
      origin: null,
      expiresAt: Date.now() + 1000,
    });
    expect(again.ok ? 'ok' : again.code).toBe('MODEL_UNAVAILABLE');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a listener that throws does not stop the others', async () => {
    runtime = createRuntime({ verifyToken, models: [model] });
    runtime.onEvent(() => {
      throw new Error('listener bug');
    });
    const events = recordEvents(runtime);
    await open('ses_1');
    await runtime.closeSession('ses_1', 'client_closed');
    expect(events.events).toHaveLength(1);
  });
});
