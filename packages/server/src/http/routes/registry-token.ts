import { ERROR_CODES, newId } from '@latchkey/core';
import type { Context } from 'hono';
import { z } from 'zod';
import { formatScope, grantAccess, parseScopes } from '../../registry/access-scope.js';
import { signAccessToken } from '../../registry/access-token.js';
import { ACCESS_TOKEN_SECONDS, registryAuthority } from '../../registry/registry-authority.js';
import { authenticateRegistryCaller } from '../authenticate-registry.js';
import type { AppEnv } from '../env.js';
import { envelope, HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';

export const RegistryTokenResponse = z
  .object({
    token: z.string(),
    access_token: z.string(),
    expires_in: z.number().int(),
    issued_at: z.string(),
  })
  .meta({ id: 'RegistryTokenResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/registry/token',
  operationId: 'registryToken',
  summary: 'Docker Registry v2 token endpoint (the registry realm)',
  description:
    "Called by docker, skopeo and the registry's own clients, not by people. HTTP Basic with a registry credential (or the partner key) as the password — push and pull on <org-slug>/* — or a runtime credential (rt_) — pull only on its org's <org-slug>/* (an operator's runtime: pull on every <org-slug>/weights/*); `service` must be the configured service; each `scope` (repository:NAME:ACTIONS, may repeat) is granted as far as the caller may, nothing elsewhere. Answers 200 with what was granted (possibly nothing) as an ES256 JWT with an x5c chain; the registry itself refuses what was not granted. Errors carry the Docker `errors` array beside the usual envelope.",
  responses: {
    200: { description: 'An access token', schema: RegistryTokenResponse },
    400: { description: 'INVALID_REQUEST (unknown service, malformed scope)' },
    401: {
      description:
        'MISSING_API_KEY, INVALID_API_KEY, API_KEY_EXPIRED, API_KEY_REVOKED, INVALID_TOKEN, TOKEN_EXPIRED, RUNTIME_CREDENTIAL_INVALID, RUNTIME_CREDENTIAL_REVOKED',
    },
    403: { description: 'WRONG_KEY_KIND (app keys have no registry access)' },
    429: { description: 'RATE_LIMITED' },
  },
};

/** Our envelope plus the `errors` array Docker clients print (`unauthorized: …`). */
function registryError(c: Context<AppEnv>, error: HttpError) {
  const status = ERROR_CODES[error.code].status;
  const dockerCode =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 403
        ? 'DENIED'
        : status === 429
          ? 'TOOMANYREQUESTS'
          : 'UNSUPPORTED';
  return c.json(
    {
      ...envelope(error.code, error.message, c.get('requestId'), c.get('docsBase')),
      errors: [{ code: dockerCode, message: error.message, detail: { code: error.code } }],
    },
    status as never,
    { ...error.headers, 'Cache-Control': 'no-store' },
  );
}

export const route: Route = {
  spec,
  async handle(c, p) {
    try {
      const caller = await authenticateRegistryCaller(c, p);
      const service = c.req.query('service') ?? p.config.registryService;
      if (service !== p.config.registryService)
        throw new HttpError(
          'INVALID_REQUEST',
          `service: this endpoint issues tokens for "${p.config.registryService}", not "${service.slice(0, 100)}"`,
        );
      const requested = parseScopes(c.req.queries('scope') ?? []);
      if (!requested.ok) throw HttpError.from(requested);
      const access = grantAccess(requested.value, caller.policy);
      const now = Math.floor(p.clock.now() / 1000);
      const jti = newId('tok', p.clock.now());
      const token = await signAccessToken(
        {
          iss: p.config.registryIssuer,
          aud: p.config.registryService,
          sub: caller.orgSlug ?? `runtime:${caller.actor}`,
          exp: now + ACCESS_TOKEN_SECONDS,
          nbf: now - 5,
          iat: now,
          jti,
          access,
        },
        await registryAuthority(p).signer(),
      );
      // Answer only once the grant is on the audit log.
      await p.audit.write({
        orgId: caller.orgId,
        action: 'registry.token_issued',
        actor: caller.actor,
        target: jti,
        outcome: 'ok',
        ip: c.get('ip'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
        data: {
          via: caller.via,
          keyId: caller.apiKeyId,
          account: caller.account,
          requested: requested.value.map(formatScope),
          granted: access.map(formatScope),
        },
      });
      return c.json(
        {
          token,
          access_token: token,
          expires_in: ACCESS_TOKEN_SECONDS,
          issued_at: new Date(now * 1000).toISOString(),
        },
        200,
        { 'Cache-Control': 'no-store' },
      );
    } catch (error) {
      if (error instanceof HttpError) return registryError(c, error);
      throw error;
    }
  },
};
