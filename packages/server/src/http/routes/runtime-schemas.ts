import { CLOSE_REASONS } from '@latchkey/core';
import { z } from 'zod';
import { ModelInfoSchema } from './v1-models-list.js';

// The runtime protocol tolerates fields it does not know (objects strip them), so a
// newer runtime can register with an older coordinator.
export const InstanceId = z.string().min(8).max(64);

export const RegisterBody = z
  .object({
    instanceId: InstanceId,
    url: z
      .string()
      .max(512)
      .refine((u) => {
        try {
          const url = new URL(u);
          return (
            (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.search
          );
        } catch {
          return false;
        }
      }, 'must be the http(s) URL the coordinator reaches this runtime at'),
    models: z.array(ModelInfoSchema).max(100),
    capacity: z.object({
      sessions: z.number().int().min(0).max(100_000),
      jobs: z.number().int().min(0).max(10_000),
    }),
    secret: z.string().min(32).max(256),
    version: z.string().max(64).optional(),
  })
  .meta({ id: 'RuntimeRegistration' });

export const HeartbeatBody = z
  .object({ instanceId: InstanceId, sessions: z.array(z.string().max(64)).max(100_000) })
  .meta({ id: 'RuntimeHeartbeat' });

export const EventsBody = z
  .object({
    instanceId: InstanceId,
    events: z
      .array(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('session-waiting'), sessionId: z.string(), at: z.number() }),
          z.object({ type: z.literal('session-active'), sessionId: z.string(), at: z.number() }),
          z.object({
            type: z.literal('session-closed'),
            sessionId: z.string(),
            reason: z.enum(CLOSE_REASONS),
            at: z.number(),
          }),
        ]),
      )
      .max(1000),
  })
  .meta({ id: 'RuntimeEvents' });

export const DeregisterBody = z
  .object({ instanceId: InstanceId })
  .meta({ id: 'RuntimeDeregistration' });

export const RUNTIME_AUTH_ERRORS =
  'MISSING_API_KEY, RUNTIME_CREDENTIAL_INVALID, RUNTIME_CREDENTIAL_REVOKED (the rt_ credential)';
