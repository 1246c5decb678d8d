import { sql } from 'kysely';
import { HttpError } from '../http-error.js';
import type { Route } from '../route.js';

export const healthz: Route = {
  spec: {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: the process answers',
    responses: { 200: { description: 'ok' } },
  },
  handle: (c) => c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' }),
};

export const readyz: Route = {
  spec: {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: the database answers',
    responses: { 200: { description: 'ready' }, 503: { description: 'UNAVAILABLE' } },
  },
  async handle(c, p) {
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
  },
};
