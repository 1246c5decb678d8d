import { z } from 'zod';

export const JobInfoSchema = z
  .object({
    jobId: z.string(),
    model: z.string(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    result: z.object({ contentType: z.string(), bytes: z.number() }).nullable(),
  })
  .meta({ id: 'Job' });

/** A job's input: whatever JSON object the model's schema takes (checked by the runtime). */
export const JobInput = z
  .record(z.string(), z.unknown())
  .meta({ id: 'JobInput', description: 'The model\'s input, e.g. {"prompt": "a red fox"}' });
