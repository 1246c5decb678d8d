import { z } from 'zod';
import { revokeRuntime } from '../../realtime/runtime-credentials.js';
import { requestContext } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, pathId } from './management-schemas.js';

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}/runtime-credentials/{id}',
  operationId: 'revokeRuntimeCredential',
  summary:
    "Revoke a partner org's runtime credential (developer, or the partner key); its runtime's sessions end",
  auth: 'session',
  responses: {
    200: {
      description: 'Revoked; how many sessions ended (runtime_lost)',
      schema: z.object({ id: z.string(), sessionsEnded: z.number().int() }),
    },
    401: { description: 'NOT_SIGNED_IN, MISSING_API_KEY, INVALID_API_KEY' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also another org’s credential, or one already revoked)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const id = pathId(c, 'id', 'rtm', 'runtime credential');
    const revoked = await revokeRuntime(p, { id, actor, orgId: org.id, ctx: requestContext(c) });
    if (!revoked.ok) throw HttpError.from(revoked);
    return c.json(revoked.value, 200, NO_STORE);
  },
};
