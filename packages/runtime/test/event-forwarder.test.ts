import type { RuntimeEvent } from '@latchkey/core/node';
import { silentLogger } from '@latchkey/core/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventForwarder } from '../src/event-forwarder.js';

const event = (n: number): RuntimeEvent => ({
  type: 'session-active',
  sessionId: `ses_${n}`,
  at: n,
});

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
afterEach(() => vi.useRealTimers());

describe('EventForwarder', () => {
  it('sends queued events in order, in batches', async () => {
    const batches: number[][] = [];
    const f = new EventForwarder({
      log: silentLogger,
      batchSize: 100,
      send: async (events) => {
        batches.push(events.map((e) => e.at));
        return true;
      },
    });
    for (let i = 0; i < 250; i++) f.push(event(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual([...Array(250).keys()]);
    expect(f.pending).toBe(0);
  });

  it('retries a failed batch with doubling backoff', async () => {
    const calls: number[] = [];
    let failures = 2;
    const f = new EventForwarder({
      log: silentLogger,
      send: async () => {
        calls.push(performance.now());
        if (failures-- > 0) throw new Error('coordinator down');
        return true;
      },
    });
    const t0 = performance.now();
    f.push(event(1));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(249);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.map((t) => t - t0)).toEqual([0, 250, 750]);
    expect(f.pending).toBe(0);
  });

  it('keeps at most maxQueue events, dropping the oldest', async () => {
    const warn = vi.fn();
    const f = new EventForwarder({
      log: { ...silentLogger, warn },
      maxQueue: 5,
      send: async () => false,
    });
    for (let i = 0; i < 8; i++) f.push(event(i));
    expect(f.pending).toBe(5);
    expect(f.dropped).toBe(3);
    expect(warn).toHaveBeenCalled();
    f.stop();
  });

  it('flush sends what is queued, and gives up at its deadline', async () => {
    let up = false;
    const sent: RuntimeEvent[] = [];
    const f = new EventForwarder({
      log: silentLogger,
      send: async (events) => {
        if (!up) return false;
        sent.push(...events);
        return true;
      },
    });
    f.push(event(1));
    const failed = f.flush(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await failed).toBe(false);
    up = true;
    const ok = f.flush(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await ok).toBe(true);
    expect(sent).toEqual([event(1)]);
    f.stop();
  });
});
