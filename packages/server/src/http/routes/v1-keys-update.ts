import { z } from 'zod';
import { renameApiKey } from '../../services/api-keys.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE } from './management-schemas.js';
import { orgKey } from './v1-keys-get.js';

export const UpdateKeyBody = z
  .strictObject({ name: z.string().trim().min(1).max(200) })
  .meta({ id: 'UpdateKeyRequest' });

export const spec: RouteSpec = {
  method: 'patch',
  path: '/v1/orgs/{org}/keys/{keyId}',
  operationId: 'updateKey',
  summary: 'Rename an API key (developer)',
  auth: 'session',
  body: UpdateKeyBody,
  responses: {
    200: { description: 'The key', schema: ApiKeySchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also a key of another org)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, UpdateKeyBody);
    const { org, actor } = await requireOrg(c, p, 'developer');
    const key = await orgKey(c, p, org.id);
    const renamed = await renameApiKey(p, {
      id: key.id,
      name: body.name,
      actor,
      ctx: requestContext(c),
    });
    if (!renamed.ok) throw HttpError.from(renamed);
    return c.json(renamed.value, 200, NO_STORE);
  },
};
