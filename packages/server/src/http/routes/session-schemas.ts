import { CLOSE_REASONS } from '@latchkey/core';
import { z } from 'zod';

export const SessionInfoSchema = z
  .object({
    sessionId: z.string(),
    model: z.string(),
    state: z.enum(['created', 'waiting', 'active', 'closed']),
    createdAt: z.string(),
    activeAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    expiresAt: z.string(),
    closeReason: z.enum(CLOSE_REASONS).nullable(),
  })
  .meta({ id: 'Session' });

export const CreatedSessionSchema = SessionInfoSchema.extend({
  iceServers: z.array(
    z.object({
      urls: z.union([z.string(), z.array(z.string())]),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  ),
}).meta({ id: 'CreatedSession' });

export const AUTH_ERRORS =
  'MISSING_API_KEY, INVALID_API_KEY, API_KEY_REVOKED, API_KEY_EXPIRED, INVALID_TOKEN, TOKEN_EXPIRED';
