import type { Context } from 'hono';
import { type ApiKey, getApiKey } from '../../services/api-keys.js';
import { requireOrg } from '../account-session.js';
import type { AppEnv, Platform } from '../env.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE, notFound, pathId } from './management-schemas.js';

/** The `{keyId}` of the path, which must be a key of `orgId`: another org's is not found. */
export async function orgKey(c: Context<AppEnv>, p: Platform, orgId: string): Promise<ApiKey> {
  const id = pathId(c, 'keyId', 'key', 'key');
  const key = await getApiKey(p, id);
  if (!key.ok) throw HttpError.from(key);
  if (key.value.orgId !== orgId) throw notFound('key', id);
  return key.value;
}

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/keys/{keyId}',
  operationId: 'getKey',
  summary: 'One API key of the org (never its secret)',
  auth: 'session',
  responses: {
    200: { description: 'The key', schema: ApiKeySchema },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND (also a key of another org)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requireOrg(c, p, 'viewer');
    return c.json(await orgKey(c, p, org.id), 200, NO_STORE);
  },
};
