import { isStorableText, newId, toStorableText } from '@latchkey/core';
import { Hono } from 'hono';
import { isDatabaseUnavailable } from '../db/open-database.js';
import { DependencyUnavailableError } from '../services/rate-limiter.js';
import { resolveClientIp } from './client-ip.js';
import { registerCors } from './cors.js';
import type { AppEnv, Platform } from './env.js';
import { errorResponse, HttpError } from './http-error.js';
import { UNSTORABLE_MESSAGE } from './read-json.js';
import type { RouteSpec } from './route-spec.js';
import { specs as healthSpecs, registerHealth } from './routes/health.js';
import { spec as metricsSpec, registerMetrics } from './routes/metrics.js';
import { specs as openApiSpecs, registerOpenApi } from './routes/openapi.js';
import { registerRegistryToken, spec as registryTokenSpec } from './routes/registry-token.js';
import { registerRuntimeHost } from './routes/runtime-host.js';
import { spec as generateSpec, registerGenerate } from './routes/v1-generate.js';
import { registerSubmitJob, spec as submitJobSpec } from './routes/v1-jobs-create.js';
import { spec as getJobSpec, registerGetJob } from './routes/v1-jobs-get.js';
import { spec as getJobResultSpec, registerGetJobResult } from './routes/v1-jobs-result.js';
import { spec as listModelsSpec, registerListModels } from './routes/v1-models-list.js';
import {
  registerCreateRegistryCredentials,
  spec as registryCredentialsSpec,
} from './routes/v1-registry-credentials.js';
import {
  spec as deregisterRuntimeSpec,
  registerDeregisterRuntime,
} from './routes/v1-runtimes-deregister.js';
import { registerRuntimeEvents, spec as runtimeEventsSpec } from './routes/v1-runtimes-events.js';
import {
  spec as heartbeatRuntimeSpec,
  registerHeartbeatRuntime,
} from './routes/v1-runtimes-heartbeat.js';
import {
  registerRegisterRuntime,
  spec as registerRuntimeSpec,
} from './routes/v1-runtimes-register.js';
import { spec as createSessionSpec, registerCreateSession } from './routes/v1-sessions-create.js';
import { spec as deleteSessionSpec, registerDeleteSession } from './routes/v1-sessions-delete.js';
import { spec as getSessionSpec, registerGetSession } from './routes/v1-sessions-get.js';
import { spec as offerSessionSpec, registerOfferSession } from './routes/v1-sessions-offer.js';
import { spec as createTokenSpec, registerCreateToken } from './routes/v1-tokens-create.js';
import { registerWhoami, spec as whoamiSpec } from './routes/v1-whoami.js';
import { spec as jwksSpec, registerJwks } from './routes/well-known-jwks.js';

export const routeSpecs: RouteSpec[] = [
  createTokenSpec,
  whoamiSpec,
  listModelsSpec,
  createSessionSpec,
  getSessionSpec,
  offerSessionSpec,
  deleteSessionSpec,
  generateSpec,
  submitJobSpec,
  getJobSpec,
  getJobResultSpec,
  registerRuntimeSpec,
  heartbeatRuntimeSpec,
  runtimeEventsSpec,
  deregisterRuntimeSpec,
  registryCredentialsSpec,
  registryTokenSpec,
  jwksSpec,
  ...healthSpecs,
  metricsSpec,
  ...openApiSpecs,
];

/** Whether a concrete path fits an OpenAPI path template (`/v1/jobs/{id}`). */
function matchesTemplate(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  return t.length === p.length && t.every((seg, i) => seg.startsWith('{') || seg === p[i]);
}

/** The public HTTP API. */
export function createApp(p: Platform): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = newId('req');
    c.set('requestId', requestId);
    c.set('docsBase', p.issuer);
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
      ?.incoming;
    c.set(
      'ip',
      resolveClientIp(
        p.config.trustProxy,
        incoming?.socket?.remoteAddress,
        c.req.header('x-forwarded-for'),
      ),
    );
    // Set before next(): set afterwards, Hono rebuilds the response as a stream body
    // and every answer takes the slow path (measured: ~7% of a mint's CPU).
    c.header('X-Request-Id', requestId);
    await next();
    const route = c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
    p.metrics.requestSeconds.observe(
      { route, method: c.req.method, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  // Query values reach queries and audit rows: refuse text PostgreSQL cannot store.
  app.use(async (c, next) => {
    const url = c.req.url;
    const query = url.indexOf('?');
    if (query >= 0 && url.includes('%', query)) {
      for (const [name, values] of Object.entries(c.req.queries())) {
        if (!isStorableText(name) || values.some((v) => !isStorableText(v)))
          throw new HttpError(
            'INVALID_REQUEST',
            `query parameter "${toStorableText(name).slice(0, 64)}": ${UNSTORABLE_MESSAGE}`,
          );
      }
    }
    await next();
  });

  registerCors(app);
  registerCreateToken(app, p);
  registerWhoami(app, p);
  registerListModels(app, p);
  registerCreateSession(app, p);
  registerGetSession(app, p);
  registerOfferSession(app, p);
  registerDeleteSession(app, p);
  registerGenerate(app, p);
  registerSubmitJob(app, p);
  registerGetJob(app, p);
  registerGetJobResult(app, p);
  registerRegisterRuntime(app, p);
  registerHeartbeatRuntime(app, p);
  registerRuntimeEvents(app, p);
  registerDeregisterRuntime(app, p);
  registerRuntimeHost(app, p);
  registerCreateRegistryCredentials(app, p);
  registerRegistryToken(app, p);
  registerJwks(app, p);
  registerHealth(app, p);
  registerMetrics(app, p);
  registerOpenApi(
    app,
    () => routeSpecs,
    () => p.issuer,
  );

  app.notFound((c) => {
    const methods = routeSpecs
      .filter((s) => matchesTemplate(s.path, c.req.path))
      .map((s) => s.method);
    // RFC 9110: a 405 names the methods the resource does allow.
    const allow = methods
      .flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]))
      .join(', ');
    return methods.length > 0
      ? errorResponse(c, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}`, {
          Allow: allow,
        })
      : errorResponse(
          c,
          'NOT_FOUND',
          `no route ${c.req.method} ${c.req.path.slice(0, 200)}; see /docs`,
        );
  });

  app.onError((error, c) => {
    if (error instanceof HttpError)
      return errorResponse(c, error.code, error.message, error.headers);
    if (error instanceof DependencyUnavailableError) {
      p.log.warn('dependency unavailable', { requestId: c.get('requestId'), error: error.message });
      return errorResponse(c, 'UNAVAILABLE', `${error.message}; retry shortly`, {
        'Retry-After': '1',
      });
    }
    if (isDatabaseUnavailable(error)) {
      p.log.warn('database unavailable', { requestId: c.get('requestId'), error: String(error) });
      return errorResponse(
        c,
        'UNAVAILABLE',
        'the service cannot reach its database; retry shortly',
        { 'Retry-After': '1' },
      );
    }
    p.log.error('unhandled error', {
      requestId: c.get('requestId'),
      path: c.req.path,
      error: String((error as Error)?.stack ?? error),
    });
    return errorResponse(
      c,
      'INTERNAL_ERROR',
      `something went wrong on our side; request id ${c.get('requestId')}`,
    );
  });

  return app;
}
