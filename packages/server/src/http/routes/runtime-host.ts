import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http-error.js';

export const RUNTIME_HOST_PATH = '/runtime-host';

/**
 * This process's embedded runtime, over the same HTTP protocol a `latchkey runtime`
 * process serves (bearer secret), so other `latchkey serve` processes sharing the
 * database reach it like any other runtime. Not in the OpenAPI document: it is
 * between coordinator processes, not for clients.
 */
export function registerRuntimeHost(
  app: Hono<AppEnv>,
  handler: ((request: Request) => Promise<Response>) | undefined,
) {
  app.all(`${RUNTIME_HOST_PATH}/*`, async (c) => {
    if (!handler) throw new HttpError('NOT_FOUND', 'this process hosts no runtime');
    const url = new URL(c.req.url);
    url.pathname = url.pathname.slice(RUNTIME_HOST_PATH.length) || '/';
    const raw = c.req.raw;
    const hasBody = raw.method !== 'GET' && raw.method !== 'HEAD';
    return handler(
      new Request(url, {
        method: raw.method,
        headers: raw.headers,
        ...(hasBody ? { body: raw.body, duplex: 'half' } : {}),
      } as RequestInit),
    );
  });
}
