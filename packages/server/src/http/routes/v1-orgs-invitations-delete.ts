import { revokeInvitation } from '../../accounts/invitations.js';
import { actingOf, pathId, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { Invitation } from './account-schemas.js';

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}/invitations/{id}',
  operationId: 'revokeInvitation',
  summary: 'Revoke a pending invitation (admin): its link stops working',
  auth: 'session',
  responses: {
    200: { description: 'The invitation, revoked', schema: Invitation },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (no pending invitation with this id in the org)' },
  },
};

export const route: Route = {
  spec,
  access: 'admin',
  async handle(c, p) {
    const access = await requireOrg(c, p, 'admin');
    const id = pathId(c, 'id', 'inv', 'invitation');
    const revoked = await revokeInvitation(p, actingOf(c, access), { orgId: access.org.id, id });
    if (!revoked.ok) throw HttpError.from(revoked);
    return c.json(revoked.value, 200);
  },
};
