import type { Context } from 'hono';
import { z } from 'zod';
import type { Failure } from '../../services/result.js';
import type { AppEnv, Platform } from '../env.js';
import { HttpError } from '../http-error.js';

export const DeviceRequestSchema = z
  .object({
    userCode: z.string().describe('XXXX-XXXX'),
    clientName: z.string().nullable().describe('the host name the CLI gave'),
    clientIp: z.string().nullable().describe('the address the CLI asked from'),
    createdAt: z.string(),
    expiresAt: z.string(),
    state: z.enum(['pending', 'approved', 'denied']),
  })
  .meta({ id: 'DeviceRequest' });

/** The `{userCode}` path parameter, as typed (the domain normalises it). */
export const userCodeParam = (c: Context<AppEnv>): string => c.req.param('userCode') ?? '';

// A user code is 8 of 20 letters (~34 bits) and lives 10 minutes: guessing live ones is
// hopeless at this budget, and people who mistype one have room to spare.
const MISSES = { perSecond: 20 / 600, burst: 20 };
const missKey = (userId: string) => `device:miss:${userId}`;

/** A person whose wrong codes have spent their budget is held off before any lookup. */
export async function checkCodeMisses(p: Platform, userId: string): Promise<void> {
  const d = await p.limiter.peek(missKey(userId), MISSES);
  if (!d.allowed)
    throw new HttpError(
      'RATE_LIMITED',
      `too many unknown sign-in codes; retry in ${d.retryAfter} s`,
      { 'Retry-After': String(d.retryAfter) },
    );
}

/** The refusal as an HttpError; an unknown or expired code spends from the person's budget. */
export async function refuseDevice(p: Platform, userId: string, f: Failure): Promise<HttpError> {
  if (f.code === 'NOT_FOUND') await p.limiter.take(missKey(userId), MISSES);
  return HttpError.from(f);
}
