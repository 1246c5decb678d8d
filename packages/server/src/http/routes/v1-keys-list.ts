import { z } from 'zod';
import { listApiKeys } from '../../services/api-keys.js';
import { requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE, readQuery } from './management-schemas.js';

export const ListKeysQuery = z.object({
  state: z.enum(['active', 'revoked', 'expired']).optional(),
});

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/keys',
  operationId: 'listKeys',
  summary: "An org's API keys (never a secret); ?state=active|revoked|expired",
  auth: 'session',
  query: ListKeysQuery,
  responses: {
    200: {
      description: 'The keys, oldest first',
      schema: z.object({ data: z.array(ApiKeySchema) }),
    },
    400: { description: 'INVALID_REQUEST (state)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const query = readQuery(c, ListKeysQuery);
    const { org } = await requireOrg(c, p, 'viewer');
    const keys = await listApiKeys(p, org.id);
    if (!keys.ok) throw HttpError.from(keys);
    const data = query.state ? keys.value.filter((k) => k.state === query.state) : keys.value;
    return c.json({ data }, 200, NO_STORE);
  },
};
