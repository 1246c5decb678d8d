import type { Route, RouteSpec } from '../route.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  summary: 'Prometheus metrics',
  responses: { 200: { description: 'text exposition format' } },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    return c.body(await p.metrics.registry.metrics(), 200, {
      'Content-Type': p.metrics.registry.contentType,
      'Cache-Control': 'no-store',
    });
  },
};
