import { z } from 'zod';
import { createApiKey } from '../../services/api-keys.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE } from './management-schemas.js';

export const CreateKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['app', 'partner']).optional().describe('partner (rp_) needs a partner org'),
    expiresIn: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86400)
      .optional()
      .describe('seconds until the key expires; none: it does not'),
  })
  .meta({ id: 'CreateKeyRequest' });

export const CreatedKeySchema = z
  .object({ key: ApiKeySchema, secret: z.string().describe('shown once, never again') })
  .meta({ id: 'CreatedKey' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/keys',
  operationId: 'createKey',
  summary: 'Create an API key (developer); the secret is in this answer only',
  auth: 'session',
  body: CreateKeyBody,
  responses: {
    201: { description: 'The key and its secret', schema: CreatedKeySchema },
    400: { description: 'INVALID_REQUEST, WRONG_KEY_KIND (partner key for a non-partner org)' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, CreateKeyBody);
    const { org, actor } = await requireOrg(c, p, 'developer');
    const created = await createApiKey(p, {
      org: org.id,
      name: body.name,
      kind: body.kind,
      expiresInSeconds: body.expiresIn,
      actor,
      ctx: requestContext(c),
    });
    if (!created.ok) throw HttpError.from(created);
    return c.json(created.value, 201, NO_STORE);
  },
};
