import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  mints: Counter<'outcome'>;
  authFailures: Counter<'code'>;
  requestSeconds: Histogram<'route' | 'method' | 'status'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  return {
    registry,
    mints: new Counter({
      name: 'latchkey_tokens_minted_total',
      help: 'Session tokens minted',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'latchkey_auth_failures_total',
      help: 'Failed authentications by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
