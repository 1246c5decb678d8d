// The GCRA limiter in memory and in real Redis: same decisions, shared budget in Redis.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  manualClock,
  type RateLimiter,
} from '../src/index.js';
import { itWhen, REDIS_URL, requireService, serviceGate, tcpReachable } from './helpers.js';

async function redisAvailable(): Promise<boolean> {
  if (!(await tcpReachable(REDIS_URL, 6379))) return false;
  const r = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
  });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const redisUp = await redisAvailable();
const PREFIX = `latchkey:test:${randomBytes(6).toString('hex')}:`;
const clients: Redis[] = [];

type Clock = ReturnType<typeof manualClock>;
interface Backend {
  name: 'memory' | 'redis';
  run: boolean;
  make(clock: Clock, prefix: string): RateLimiter;
}

function redisClient(): Redis {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}

const backends: Backend[] = [
  { name: 'memory', run: true, make: (clock) => createMemoryRateLimiter(clock) },
  {
    name: 'redis',
    run: serviceGate('Redis', REDIS_URL, redisUp),
    make: (clock, prefix) => createRedisRateLimiter(redisClient(), clock, prefix),
  },
];

afterAll(async () => {
  if (!redisUp) return;
  const r = new Redis(REDIS_URL);
  try {
    const keys = await r.keys(`${PREFIX}*`);
    if (keys.length) await r.del(...keys);
  } finally {
    r.disconnect();
    for (const c of clients) c.disconnect();
  }
});

let seq = 0;
const uniqueKey = (label: string) => `${label}:${++seq}`;

describe.each(backends)('$name rate limiter', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let clock: Clock;
    let limiter: RateLimiter;

    beforeAll(() => {
      if (backend.name === 'redis') requireService('Redis', REDIS_URL, redisUp);
      clock = manualClock(Date.UTC(2030, 0, 1));
      limiter = backend.make(clock, PREFIX);
    });

    it('allows the burst, then refuses with retryAfter ≥ 1', async () => {
      const key = uniqueKey('burst');
      const limit = { perSecond: 2, burst: 4 };
      for (let i = 0; i < 4; i++) {
        expect(await limiter.take(key, limit), `take #${i + 1}`).toEqual({
          allowed: true,
          retryAfter: 0,
        });
      }
      const refused = await limiter.take(key, limit);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfter).toBe(1);
      // A slow limit says how long to wait in whole seconds, rounded up.
      const slowKey = uniqueKey('slow');
      const slow = { perSecond: 0.1, burst: 2 };
      expect((await limiter.take(slowKey, slow)).allowed).toBe(true);
      expect((await limiter.take(slowKey, slow)).allowed).toBe(true);
      expect(await limiter.take(slowKey, slow)).toEqual({ allowed: false, retryAfter: 10 });
      clock.advance(2500);
      expect(await limiter.take(slowKey, slow)).toEqual({ allowed: false, retryAfter: 8 });
    });

    it('refills as the clock advances, one unit per interval', async () => {
      const key = uniqueKey('refill');
      const limit = { perSecond: 4, burst: 3 }; // one unit per 250 ms
      for (let i = 0; i < 3; i++) expect((await limiter.take(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(false);
      clock.advance(249);
      expect((await limiter.take(key, limit)).allowed).toBe(false);
      clock.advance(1);
      expect((await limiter.take(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(false);
      // A long pause refills the whole burst, never more.
      clock.advance(60_000);
      for (let i = 0; i < 3; i++) expect((await limiter.take(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(false);
    });

    it('peek does not spend', async () => {
      const key = uniqueKey('peek');
      const limit = { perSecond: 1, burst: 2 };
      for (let i = 0; i < 10; i++) {
        expect(await limiter.peek(key, limit)).toEqual({ allowed: true, retryAfter: 0 });
      }
      expect((await limiter.take(key, limit)).allowed).toBe(true);
      expect((await limiter.peek(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(true);
      // Exhausted: peek says no, with the same wait a take would get, and spends nothing.
      const peeked = await limiter.peek(key, limit);
      expect(peeked).toEqual({ allowed: false, retryAfter: 1 });
      clock.advance(1000);
      expect((await limiter.peek(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(true);
      expect((await limiter.take(key, limit)).allowed).toBe(false);
    });

    it('keys are independent', async () => {
      const a = uniqueKey('a');
      const b = uniqueKey('b');
      const limit = { perSecond: 1, burst: 1 };
      expect((await limiter.take(a, limit)).allowed).toBe(true);
      expect((await limiter.take(a, limit)).allowed).toBe(false);
      expect((await limiter.take(b, limit)).allowed).toBe(true);
    });

    itWhen(backend.name === 'redis')(
      'two limiter instances on one Redis share the budget',
      async () => {
        const other = backend.make(clock, PREFIX);
        const key = uniqueKey('shared');
        const limit = { perSecond: 1, burst: 4 };
        expect((await limiter.take(key, limit)).allowed).toBe(true);
        expect((await other.take(key, limit)).allowed).toBe(true);
        expect((await limiter.take(key, limit)).allowed).toBe(true);
        expect((await other.take(key, limit)).allowed).toBe(true);
        expect((await limiter.take(key, limit)).allowed).toBe(false);
        expect((await other.take(key, limit)).allowed).toBe(false);
        expect((await other.peek(key, limit)).allowed).toBe(false);
        clock.advance(1000);
        expect((await other.take(key, limit)).allowed).toBe(true);
        expect((await limiter.take(key, limit)).allowed).toBe(false);
        // A different prefix is a different budget.
        const elsewhere = backend.make(clock, `${PREFIX}other:`);
        expect((await elsewhere.take(key, limit)).allowed).toBe(true);
      },
    );
  });
});

describe.skipIf(!backends[1]?.run)('memory and Redis decide alike', () => {
  it('on the same sequence of takes, peeks and clock moves', async () => {
    requireService('Redis', REDIS_URL, redisUp);
    const clock = manualClock(Date.UTC(2030, 0, 1));
    const memory = createMemoryRateLimiter(clock);
    const redis = createRedisRateLimiter(redisClient(), clock, `${PREFIX}same:`);
    // A seeded sequence, so a failure can be replayed.
    let s = 42;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    const limits = [
      { perSecond: 2, burst: 3 },
      { perSecond: 10, burst: 20 },
      { perSecond: 0.5, burst: 1 },
    ];
    let refusals = 0;
    for (let i = 0; i < 400; i++) {
      const limit = limits[i % limits.length] as (typeof limits)[number];
      const key = `k${i % limits.length}`;
      const op = rand() < 0.8 ? 'take' : 'peek';
      const [m, r] = [await memory[op](key, limit), await redis[op](key, limit)];
      expect(r, `step ${i}: ${op} ${key}`).toEqual(m);
      if (!m.allowed) refusals++;
      if (rand() < 0.3) clock.advance(Math.floor(rand() * 8) * 125);
    }
    // The sequence really exercised refusals, not only the happy path.
    expect(refusals).toBeGreaterThan(20);
  });
});
