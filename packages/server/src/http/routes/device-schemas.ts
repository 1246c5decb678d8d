import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';

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
