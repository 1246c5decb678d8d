import { isStorableText, newId, toStorableText } from '@latchkey/core';
import { type Context, Hono } from 'hono';
import { isDatabaseUnavailable } from '../db/open-database.js';
import { DependencyUnavailableError } from '../services/rate-limiter.js';
import { checkCsrf } from './account-session.js';
import { resolveClientIp } from './client-ip.js';
import { corsForBrowsers } from './cors.js';
import { registerDashboard } from './dashboard.js';
import type { AppEnv, Platform } from './env.js';
import { errorResponse, HttpError } from './http-error.js';
import { UNSTORABLE_MESSAGE } from './read-json.js';
import { type Route, type RouteSpec, routerPath } from './route.js';
import { healthz, readyz } from './routes/health.js';
import { route as metrics } from './routes/metrics.js';
import { specs as openApiSpecs, registerOpenApi } from './routes/openapi.js';
import { route as registryToken } from './routes/registry-token.js';
import { registerRuntimeHost } from './routes/runtime-host.js';
import { route as exportAudit } from './routes/v1-audit-export.js';
import { route as listAudit } from './routes/v1-audit-list.js';
import { sendVerificationEmail, verifyEmail } from './routes/v1-auth-email.js';
import { route as verifyMagicLink } from './routes/v1-auth-magic-link.js';
import { changePassword, requestPasswordReset, resetPassword } from './routes/v1-auth-password.js';
import { route as signIn } from './routes/v1-auth-sign-in.js';
import { route as signOut } from './routes/v1-auth-sign-out.js';
import { route as signUp } from './routes/v1-auth-sign-up.js';
import {
  disableTwoFactor,
  enableTwoFactor,
  verifyBackupCode,
  verifyTotp,
} from './routes/v1-auth-two-factor.js';
import { route as approveDevice } from './routes/v1-device-approve.js';
import { route as createDeviceCode } from './routes/v1-device-code-create.js';
import { route as denyDevice } from './routes/v1-device-deny.js';
import { route as getDeviceRequest } from './routes/v1-device-get.js';
import { route as pollDeviceToken } from './routes/v1-device-token.js';
import { route as generate } from './routes/v1-generate.js';
import { route as acceptInvitation } from './routes/v1-invitations-accept.js';
import { route as getInvitation } from './routes/v1-invitations-get.js';
import { route as submitJob } from './routes/v1-jobs-create.js';
import { route as getJob } from './routes/v1-jobs-get.js';
import { route as getJobResult } from './routes/v1-jobs-result.js';
import { route as createKey } from './routes/v1-keys-create.js';
import { route as getKey } from './routes/v1-keys-get.js';
import { route as listKeys } from './routes/v1-keys-list.js';
import { route as revokeKey } from './routes/v1-keys-revoke.js';
import { route as rotateKey } from './routes/v1-keys-rotate.js';
import { route as updateKey } from './routes/v1-keys-update.js';
import { route as me } from './routes/v1-me.js';
import { route as listModels } from './routes/v1-models-list.js';
import { route as listModelEvents } from './routes/v1-org-model-events.js';
import { route as publishModelVersion } from './routes/v1-org-model-versions-create.js';
import { route as retireModelVersion } from './routes/v1-org-model-versions-retire.js';
import { route as recordWeights } from './routes/v1-org-model-weights-create.js';
import { route as deleteWeights } from './routes/v1-org-model-weights-delete.js';
import { route as getWeights } from './routes/v1-org-model-weights-get.js';
import { route as listWeights } from './routes/v1-org-model-weights-list.js';
import { route as registerModel } from './routes/v1-org-models-create.js';
import { route as getPartnerModel } from './routes/v1-org-models-get.js';
import { route as listPartnerModels } from './routes/v1-org-models-list.js';
import { route as updateModel } from './routes/v1-org-models-update.js';
import { route as listOrgRegistryCredentials } from './routes/v1-org-registry-credentials-list.js';
import { route as revokeOrgRegistryCredential } from './routes/v1-org-registry-credentials-revoke.js';
import { route as createRuntimeCredential } from './routes/v1-org-runtime-credentials-create.js';
import { route as listRuntimeCredentials } from './routes/v1-org-runtime-credentials-list.js';
import { route as revokeRuntimeCredential } from './routes/v1-org-runtime-credentials-revoke.js';
import { route as endOrgSession } from './routes/v1-org-sessions-delete.js';
import { route as listOrgSessions } from './routes/v1-org-sessions-list.js';
import { route as createOrg } from './routes/v1-orgs-create.js';
import { route as deleteOrg } from './routes/v1-orgs-delete.js';
import { route as getOrg } from './routes/v1-orgs-get.js';
import { route as createInvitation } from './routes/v1-orgs-invitations-create.js';
import { route as revokeInvitation } from './routes/v1-orgs-invitations-delete.js';
import { route as listInvitations } from './routes/v1-orgs-invitations-list.js';
import { route as listOrgs } from './routes/v1-orgs-list.js';
import { route as removeMember } from './routes/v1-orgs-members-delete.js';
import { route as listMembers } from './routes/v1-orgs-members-list.js';
import { route as changeMemberRole } from './routes/v1-orgs-members-update.js';
import { route as updateOrg } from './routes/v1-orgs-update.js';
import { route as createRegistryCredentials } from './routes/v1-registry-credentials.js';
import { route as deregisterRuntime } from './routes/v1-runtimes-deregister.js';
import { route as runtimeEvents } from './routes/v1-runtimes-events.js';
import { route as heartbeatRuntime } from './routes/v1-runtimes-heartbeat.js';
import { route as registerRuntime } from './routes/v1-runtimes-register.js';
import { route as resolveRuntimeModel } from './routes/v1-runtimes-resolve.js';
import { route as createSession } from './routes/v1-sessions-create.js';
import { route as deleteSession } from './routes/v1-sessions-delete.js';
import { route as getSession } from './routes/v1-sessions-get.js';
import { route as offerSession } from './routes/v1-sessions-offer.js';
import { route as createToken } from './routes/v1-tokens-create.js';
import { route as usage } from './routes/v1-usage.js';
import { route as whoami } from './routes/v1-whoami.js';
import { route as jwks } from './routes/well-known-jwks.js';

/** Every operation of the public API, in the order the OpenAPI document lists them. */
export const routes: Route[] = [
  createToken,
  whoami,
  listModels,
  createSession,
  getSession,
  offerSession,
  deleteSession,
  generate,
  submitJob,
  getJob,
  getJobResult,
  registerRuntime,
  heartbeatRuntime,
  runtimeEvents,
  deregisterRuntime,
  resolveRuntimeModel,
  createRegistryCredentials,
  registryToken,
  // Accounts and management (cookie sessions only).
  signUp,
  signIn,
  verifyTotp,
  verifyBackupCode,
  signOut,
  changePassword,
  requestPasswordReset,
  resetPassword,
  sendVerificationEmail,
  verifyEmail,
  verifyMagicLink,
  enableTwoFactor,
  disableTwoFactor,
  me,
  listOrgs,
  createOrg,
  getOrg,
  updateOrg,
  deleteOrg,
  listMembers,
  changeMemberRole,
  removeMember,
  createInvitation,
  listInvitations,
  revokeInvitation,
  getInvitation,
  acceptInvitation,
  listKeys,
  createKey,
  getKey,
  updateKey,
  rotateKey,
  revokeKey,
  listOrgSessions,
  endOrgSession,
  listAudit,
  exportAudit,
  usage,
  listOrgRegistryCredentials,
  revokeOrgRegistryCredential,
  listWeights,
  recordWeights,
  getWeights,
  deleteWeights,
  // Partner models (a partner key or a member's session).
  listPartnerModels,
  registerModel,
  getPartnerModel,
  updateModel,
  publishModelVersion,
  retireModelVersion,
  listModelEvents,
  listRuntimeCredentials,
  createRuntimeCredential,
  revokeRuntimeCredential,
  // Device sign-in (the CLI): RFC 8628's shape.
  createDeviceCode,
  pollDeviceToken,
  getDeviceRequest,
  approveDevice,
  denyDevice,
  jwks,
  healthz,
  readyz,
  metrics,
];

export const routeSpecs: RouteSpec[] = [...routes.map((r) => r.spec), ...openApiSpecs];

/** Whether a concrete path fits an OpenAPI path template (`/v1/jobs/{id}`). */
function matchesTemplate(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  return t.length === p.length && t.every((seg, i) => seg.startsWith('{') || seg === p[i]);
}

/**
 * The public HTTP API; with `runtimeHandler`, this process's embedded runtime is
 * served to the other processes at `/runtime-host`; with `dashboardDir`, the built
 * dashboard is served at `/`.
 */
export function createApp(
  p: Platform,
  options: {
    runtimeHandler?: (request: Request) => Promise<Response>;
    dashboardDir?: string | undefined;
  } = {},
): Hono<AppEnv> {
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

  const cors = corsForBrowsers();
  const browserPaths = new Set(routes.filter((r) => r.browser).map((r) => routerPath(r.spec.path)));
  for (const path of browserPaths) app.use(path, cors);
  for (const r of routes) {
    const handle = r.access
      ? (c: Context<AppEnv>) => {
          checkCsrf(c, p);
          return r.handle(c, p);
        }
      : (c: Context<AppEnv>) => r.handle(c, p);
    app.on(r.spec.method.toUpperCase(), routerPath(r.spec.path), handle);
  }
  registerRuntimeHost(app, options.runtimeHandler);
  registerOpenApi(
    app,
    () => routeSpecs,
    () => p.issuer,
  );
  // Last: it answers the GETs no API route did.
  if (options.dashboardDir) registerDashboard(app, options.dashboardDir);

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
