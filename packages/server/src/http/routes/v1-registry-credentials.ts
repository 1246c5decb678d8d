import { z } from 'zod';
import { issueRegistryCredential } from '../../registry/registry-credentials.js';
import { authenticateKey } from '../authenticate.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';

export const CreateRegistryCredentialsBody = z
  .strictObject({})
  .meta({ id: 'CreateRegistryCredentialsRequest' });

export const RegistryCredentialsResponse = z
  .object({
    registry: z.string(),
    username: z.string(),
    password: z.string(),
    expiresAt: z.string(),
    credentialId: z.string(),
  })
  .meta({ id: 'RegistryCredentialsResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/registry/credentials',
  operationId: 'createRegistryCredentials',
  summary: 'Get container-registry credentials (12 h)',
  description:
    'Trades a partner key for a registry credential usable as a docker password for 12 hours: push and pull on <org-slug>/*. Only its hash is stored; revoking the partner key with --cascade ends it.',
  auth: 'apiKey',
  body: CreateRegistryCredentialsBody,
  responses: {
    201: {
      description: 'The credential (the password is shown once)',
      schema: RegistryCredentialsResponse,
    },
    401: { description: 'MISSING_API_KEY, INVALID_API_KEY, API_KEY_EXPIRED, API_KEY_REVOKED' },
    403: { description: 'WRONG_KEY_KIND (app keys get no registry credentials)' },
    404: { description: 'REGISTRY_NOT_CONFIGURED' },
    429: { description: 'RATE_LIMITED' },
  },
};

// Generous for people and helpers (one refresh per 12 h), tight for a loop gone wrong.
const PER_KEY = { perSecond: 1 / 6, burst: 30 };

export const route: Route = {
  spec,
  async handle(c, p) {
    const key = await authenticateKey(c, p);
    if (key.kind !== 'partner')
      throw new HttpError(
        'WRONG_KEY_KIND',
        'only partner keys (rp_) get registry credentials; this is an app key (rk_)',
      );
    const registry = p.config.registry;
    if (!registry)
      throw new HttpError(
        'REGISTRY_NOT_CONFIGURED',
        'this Latchkey fronts no container registry (it was started without --registry)',
      );
    const gate = await p.limiter.take(`regcred:${key.id}`, PER_KEY);
    if (!gate.allowed)
      throw new HttpError('RATE_LIMITED', 'too many registry credentials for this key', {
        'Retry-After': String(gate.retryAfter),
      });
    await readJson(c, CreateRegistryCredentialsBody, true);
    const issued = await issueRegistryCredential(p, {
      apiKeyId: key.id,
      context: {
        ip: c.get('ip'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
      },
    });
    if (!issued.ok) throw HttpError.from(issued);
    p.keys.touch(key.id);
    return c.json(
      {
        registry,
        username: issued.value.username,
        password: issued.value.password,
        expiresAt: issued.value.expiresAt,
        credentialId: issued.value.id,
      },
      201,
      { 'Cache-Control': 'no-store' },
    );
  },
};
