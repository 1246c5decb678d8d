import { z } from 'zod';
import { MAX_GRACE_SECONDS, rotateApiKey } from '../../services/api-keys.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE } from './management-schemas.js';
import { orgKey } from './v1-keys-get.js';

export const RotateKeyBody = z
  .strictObject({
    grace: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .optional()
      .describe('seconds the old key keeps working (0, the default: it ends now)'),
  })
  .meta({ id: 'RotateKeyRequest' });

export const RotatedKeySchema = z
  .object({ key: ApiKeySchema, secret: z.string(), old: ApiKeySchema })
  .meta({ id: 'RotatedKey' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/keys/{keyId}/rotate',
  operationId: 'rotateKey',
  summary: 'Rotate an API key (developer): a new key and secret; the old one ends after grace',
  auth: 'session',
  body: RotateKeyBody,
  responses: {
    201: {
      description: 'The new key, its secret (shown once), and the old key',
      schema: RotatedKeySchema,
    },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also a key of another org)' },
    409: { description: 'CONFLICT (the key is revoked or expired)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, RotateKeyBody, true);
    const { org, actor } = await requireOrg(c, p, 'developer');
    const key = await orgKey(c, p, org.id);
    const rotated = await rotateApiKey(p, {
      id: key.id,
      graceSeconds: body.grace,
      actor,
      ctx: requestContext(c),
    });
    // A key that cannot be rotated is a conflict with its state here, not a failed sign-in.
    if (!rotated.ok)
      throw rotated.code === 'API_KEY_REVOKED' || rotated.code === 'API_KEY_EXPIRED'
        ? new HttpError('CONFLICT', rotated.message)
        : HttpError.from(rotated);
    return c.json(rotated.value, 201, NO_STORE);
  },
};
