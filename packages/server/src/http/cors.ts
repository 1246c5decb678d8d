import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from './env.js';

/** The routes a browser calls with a session token. */
export const BROWSER_ROUTES = [
  '/v1/models',
  '/v1/sessions',
  '/v1/sessions/*',
  '/v1/jobs/*',
  '/v1/generate/*',
];

/**
 * CORS for the browser-facing routes only. Any origin may ask: no cookies are
 * involved (the token travels in Authorization), and the token's grant decides
 * which origins may use it. Token minting, runtimes and admin stay closed to pages.
 */
export function registerCors(app: Hono<AppEnv>) {
  const middleware = cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-Job-Id'],
    maxAge: 600,
  });
  for (const path of BROWSER_ROUTES) app.use(path, middleware);
}
