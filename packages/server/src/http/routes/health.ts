import type { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppEnv, Platform } from '../env.js';
import { HttpError } from '../http-error.js';
import type { RouteSpec } from '../route-spec.js';

export const specs: RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: the process answers',
    responses: { 200: { description: 'ok' } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: the database answers',
    responses: { 200: { description: 'ready' }, 503: { description: 'UNAVAILABLE' } },
  },
];

export function registerHealth(app: Hono<AppEnv>, p: Platform) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' }));
  app.get('/readyz', async (c) => {
    try {
      await Promise.race([
        sql`select 1`.execute(p.db),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw new HttpError('UNAVAILABLE', 'the database is not reachable');
    }
    return c.json({ status: 'ready', database: p.database.kind }, 200, {
      'Cache-Control': 'no-store',
    });
  });
}
