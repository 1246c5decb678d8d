import { ERROR_CODES, formatIssues } from '@latchkey/core';
import { Hono } from 'hono';
import type { AdminApi } from '../admin/admin-api.js';
import { type AdminOperation, adminInputs } from '../admin/admin-schemas.js';
import { isDatabaseUnavailable } from '../db/open-database.js';
import type { Result } from '../services/result.js';
import { envelope, HttpError } from './http-error.js';

/**
 * The admin API over the server's Unix socket: `POST /admin/{operation}` with the
 * operation's input as JSON; answers `{ok, value}` or an error envelope.
 * Only the socket's owner can connect (0600 in a 0700 data dir).
 */
export function createAdminRoutes(api: AdminApi): Hono {
  const app = new Hono();
  app.post('/admin/:op', async (c) => {
    const op = c.req.param('op') as AdminOperation;
    const schema = Object.hasOwn(adminInputs, op) ? adminInputs[op] : undefined;
    if (!schema) throw new HttpError('NOT_FOUND', `no admin operation "${op}"`);
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new HttpError(
        'INVALID_REQUEST',
        formatIssues(parsed.error.issues, { max: Number.POSITIVE_INFINITY }),
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
      ERROR_CODES[code].status as never,
    );
  });
  return app;
}
