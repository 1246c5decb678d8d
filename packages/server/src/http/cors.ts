import { cors } from 'hono/cors';

/**
 * CORS for the browser-facing routes only (`browser: true` in their route). Any
 * origin may ask: no cookies are involved (the token travels in Authorization), and
 * the token's grant decides which origins may use it. Token minting, runtimes and
 * admin stay closed to pages.
 */
export function corsForBrowsers() {
  return cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-Job-Id'],
    maxAge: 600,
  });
}
