import { z } from 'zod';
import { revokeKey } from '../../services/revoke-key.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { ApiKeySchema, NO_STORE } from './management-schemas.js';
import { orgKey } from './v1-keys-get.js';

export const RevokeKeyBody = z
  .strictObject({
    reason: z.string().max(500).optional(),
    endSessions: z
      .boolean()
      .optional()
      .describe('also end at once the live sessions opened with tokens the key minted'),
    cascade: z
      .boolean()
      .optional()
      .describe('also end the registry credentials the (partner) key issued'),
  })
  .meta({ id: 'RevokeKeyRequest' });

export const RevokedKeySchema = ApiKeySchema.extend({
  sessionsEnded: z.number().int().optional(),
  credentialsEnded: z.number().int().optional(),
}).meta({ id: 'RevokedKey' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/keys/{keyId}/revoke',
  operationId: 'revokeKey',
  summary: 'Revoke an API key (developer); optionally end its sessions and registry credentials',
  description:
    'Revoking is immediate everywhere. endSessions and cascade also work on a key already revoked; without them that is 409 CONFLICT.',
  auth: 'session',
  body: RevokeKeyBody,
  responses: {
    200: { description: 'The revoked key', schema: RevokedKeySchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also a key of another org)' },
    409: { description: 'CONFLICT (already revoked)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, RevokeKeyBody, true);
    const { org, actor } = await requireOrg(c, p, 'developer');
    const key = await orgKey(c, p, org.id);
    const revoked = await revokeKey(p, {
      id: key.id,
      reason: body.reason,
      endSessions: body.endSessions,
      cascade: body.cascade,
      actor,
      ctx: requestContext(c),
    });
    if (!revoked.ok) throw HttpError.from(revoked);
    return c.json(revoked.value, 200, NO_STORE);
  },
};
