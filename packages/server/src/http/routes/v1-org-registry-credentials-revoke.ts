import { revokeRegistryCredential } from '../../registry/registry-credentials.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, pathId, RegistryCredentialSchema } from './management-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/registry/credentials/{id}/revoke',
  operationId: 'revokeRegistryCredential',
  summary: 'Revoke one registry credential of the org (developer); the registry refuses it at once',
  auth: 'session',
  responses: {
    200: { description: 'The revoked credential', schema: RegistryCredentialSchema },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also a credential of another org)' },
    409: { description: 'CONFLICT (already revoked)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const { org, actor } = await requireOrg(c, p, 'developer');
    const id = pathId(c, 'id', 'tok', 'registry credential');
    const revoked = await revokeRegistryCredential(p, {
      id,
      orgId: org.id,
      actor,
      ctx: requestContext(c),
    });
    if (!revoked.ok) throw HttpError.from(revoked);
    return c.json(revoked.value, 200, NO_STORE);
  },
};
