import { Hono } from 'hono';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/open-database.js';
import { envelope, HttpError } from '../http/http-error.js';
import type { Result } from '../services/result.js';
import type { AdminApi } from './admin-api.js';

const actor = z.string().min(1).max(200);
const bodies = {
  createOrg: z.strictObject({
    name: z.string(),
    slug: z.string().optional(),
    partner: z.boolean().optional(),
    actor,
  }),
  createKey: z.strictObject({
    org: z.string(),
    kind: z.enum(['app', 'partner']).optional(),
    name: z.string().optional(),
    expiresInSeconds: z.number().positive().optional(),
    actor,
  }),
  listKeys: z.strictObject({ org: z.string() }),
  revokeKey: z.strictObject({
    id: z.string(),
    reason: z.string().optional(),
    cascade: z.boolean().optional(),
    endSessions: z.boolean().optional(),
    actor,
  }),
  createRuntime: z.strictObject({ name: z.string(), actor }),
  listRuntimes: z.strictObject({}),
  revokeRuntime: z.strictObject({ id: z.string(), actor }),
  listSessions: z.strictObject({
    org: z.string(),
    state: z.enum(['created', 'waiting', 'active', 'closed', 'open']).optional(),
    limit: z.number().int().positive().optional(),
  }),
  rotateKey: z.strictObject({ id: z.string(), graceSeconds: z.number().min(0).optional(), actor }),
  rotateSigningKey: z.strictObject({ actor }),
  registryConfig: z.strictObject({}),
  rotateRegistryCa: z.strictObject({ activate: z.boolean().optional(), actor }),
  audit: z.strictObject({
    org: z.string(),
    sinceSeconds: z.number().positive().optional(),
    action: z.string().optional(),
    limit: z.number().int().positive().optional(),
  }),
} as const;

export type AdminOperation = keyof typeof bodies;

/**
 * The admin API over the server's Unix socket: `POST /admin/{operation}` with the
 * operation's input as JSON; answers `{ok, value}` or an error envelope.
 * Only the socket's owner can connect (0600 in a 0700 data dir).
 */
export function createAdminRoutes(api: AdminApi): Hono {
  const app = new Hono();
  app.post('/admin/:op', async (c) => {
    const op = c.req.param('op') as AdminOperation;
    const schema = bodies[op];
    if (!schema) throw new HttpError('NOT_FOUND', `no admin operation "${op}"`);
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new HttpError(
        'INVALID_REQUEST',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    const result = await (api[op] as (i: unknown) => Promise<Result<unknown>>)(parsed.data);
    return c.json(result);
  });
  app.onError((error, c) => {
    const code =
      error instanceof HttpError
        ? error.code
        : isDatabaseUnavailable(error)
          ? 'UNAVAILABLE'
          : 'INTERNAL_ERROR';
    return c.json(
      envelope(
        code,
        error instanceof HttpError ? error.message : 'admin operation failed',
        'admin',
      ),
      500,
    );
  });
  return app;
}
