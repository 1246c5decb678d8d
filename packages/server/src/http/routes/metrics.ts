import type { Hono } from 'hono';
import type { AppEnv, Platform } from '../env.js';
import type { RouteSpec } from '../route-spec.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  summary: 'Prometheus metrics',
  responses: { 200: { description: 'text exposition format' } },
};

export function registerMetrics(app: Hono<AppEnv>, p: Platform) {
  app.get(spec.path, async (c) =>
    c.body(await p.metrics.registry.metrics(), 200, {
      'Content-Type': p.metrics.registry.contentType,
      'Cache-Control': 'no-store',
    }),
  );
}
