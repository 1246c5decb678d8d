import { z } from 'zod';
import { listRegistryCredentials } from '../../registry/registry-credentials.js';
import { requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, RegistryCredentialSchema, readQuery } from './management-schemas.js';

export const ListCredentialsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/registry/credentials',
  operationId: 'listRegistryCredentials',
  summary:
    "A partner org's issued registry credentials (never a secret), and the registry's address",
  auth: 'session',
  query: ListCredentialsQuery,
  responses: {
    200: {
      description:
        'The credentials, newest first; registry is HOST[:PORT], or null when none is configured',
      schema: z.object({
        registry: z.string().nullable(),
        data: z.array(RegistryCredentialSchema),
      }),
    },
    400: { description: 'INVALID_REQUEST (limit)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND (also an org that is not a partner org: it has none)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const query = readQuery(c, ListCredentialsQuery);
    const { org } = await requireOrg(c, p, 'viewer');
    if (!org.partner)
      throw new HttpError(
        'NOT_FOUND',
        `org "${org.slug}" is not a partner org, so it has no registry credentials`,
      );
    const data = await listRegistryCredentials(p, { orgId: org.id, limit: query.limit });
    return c.json({ registry: p.config.registry ?? null, data }, 200, NO_STORE);
  },
};
