import { bearerToken } from '@latchkey/core';
import type { Context } from 'hono';
import { verifyRuntimeCredential } from '../realtime/runtime-credentials.js';
import type { RuntimeRow } from '../realtime/schema.js';
import { refuseAuth, shownSecret } from './authenticate.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

/** Authenticates a `latchkey runtime` process by its `rt_…` credential. */
export async function authenticateRuntime(c: Context<AppEnv>, p: Platform): Promise<RuntimeRow> {
  const secret = bearerToken(c.req.header('authorization'));
  if (secret === undefined)
    return refuseAuth(
      c,
      p,
      new HttpError(
        'MISSING_API_KEY',
        'send the runtime credential as "Authorization: Bearer rt_…"',
      ),
      { display: null },
    );
  const found = await verifyRuntimeCredential(p.db, secret);
  if (found.ok) return found.value;
  return refuseAuth(c, p, HttpError.from(found), { display: shownSecret(secret) });
}
