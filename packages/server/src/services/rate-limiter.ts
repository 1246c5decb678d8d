import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

/** A dependency other than the database is down: the request gets 503 UNAVAILABLE. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
}

export interface Limit {
  /** Sustained requests per second. */
  perSecond: number;
  /** How many may come at once. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one more is allowed (0 when allowed). */
  retryAfter: number;
}

/**
 * GCRA rate limiting: one number (the theoretical arrival time) per key.
 * `take` spends one unit; `peek` tells whether one would be allowed.
 */
export interface RateLimiter {
  take(key: string, limit: Limit): Promise<RateDecision>;
  peek(key: string, limit: Limit): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(
  tat: number,
  now: number,
  limit: Limit,
  spend: boolean,
): { decision: RateDecision; tat: number } {
  const interval = 1000 / limit.perSecond;
  const tolerance = interval * Math.max(limit.burst, 1);
  const base = Math.max(tat, now);
  const newTat = base + (spend ? interval : 0);
  const allowAt = newTat - tolerance;
  if (allowAt > now) {
    return {
      decision: { allowed: false, retryAfter: Math.max(1, Math.ceil((allowAt - now) / 1000)) },
      tat,
    };
  }
  return { decision: { allowed: true, retryAfter: 0 }, tat: newTat };
}

export function createMemoryRateLimiter(clock: Clock): RateLimiter {
  const tats = new Map<string, number>();
  let sweeps = 0;
  return {
    async take(key, limit) {
      const now = clock.now();
      const r = decide(tats.get(key) ?? now, now, limit, true);
      tats.set(key, r.tat);
      if (++sweeps % 10_000 === 0) for (const [k, t] of tats) if (t < now) tats.delete(k);
      return r.decision;
    },
    async peek(key, limit) {
      const now = clock.now();
      // A peek asks whether the next one would pass, without spending it.
      return decide(tats.get(key) ?? now, now, limit, true).decision;
    },
    close: async () => undefined,
  };
}

const GCRA = `
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local spend = tonumber(ARGV[4])
local base = math.max(tat, now)
local newTat = base + interval
local allowAt = newTat - tolerance
if allowAt > now then
  return {0, math.ceil(allowAt - now)}
end
if spend == 1 then
  redis.call('SET', KEYS[1], newTat, 'PX', math.ceil(newTat - now) + 1000)
end
return {1, 0}
`;

/** The same algorithm in Redis, atomic in one script, shared by every process. */
export function createRedisRateLimiter(
  redis: Redis,
  clock: Clock,
  prefix = 'latchkey:rl:',
): RateLimiter {
  // EVALSHA through a defined command: the script is sent once, not with every call.
  if (!(redis as unknown as Record<string, unknown>).latchkeyGcra) {
    redis.defineCommand('latchkeyGcra', { numberOfKeys: 1, lua: GCRA });
  }
  const gcra = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)
    .latchkeyGcra as (...args: unknown[]) => Promise<unknown>;
  const run = async (key: string, limit: Limit, spend: boolean): Promise<RateDecision> => {
    const interval = 1000 / limit.perSecond;
    const tolerance = interval * Math.max(limit.burst, 1);
    let reply: [number, number];
    try {
      reply = (await gcra.call(
        redis,
        prefix + key,
        clock.now(),
        interval,
        tolerance,
        spend ? 1 : 0,
      )) as [number, number];
    } catch (error) {
      // Fail closed: without the shared limiter we cannot promise its limits.
      throw new DependencyUnavailableError('the rate limiter (Redis) is not reachable', {
        cause: error,
      });
    }
    const [allowed, waitMs] = reply;
    return allowed === 1
      ? { allowed: true, retryAfter: 0 }
      : { allowed: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
  };
  return {
    take: (key, limit) => run(key, limit, true),
    peek: (key, limit) => run(key, limit, false),
    close: async () => {
      redis.disconnect();
    },
  };
}
