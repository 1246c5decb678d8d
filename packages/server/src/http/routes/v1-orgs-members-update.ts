import { z } from 'zod';
import { changeRole } from '../../accounts/memberships.js';
import { actingOf, pathId, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { Member, RoleName } from './account-schemas.js';

export const ChangeRoleBody = z.strictObject({ role: RoleName }).meta({ id: 'ChangeRoleRequest' });

export const spec: RouteSpec = {
  method: 'patch',
  path: '/v1/orgs/{org}/members/{userId}',
  operationId: 'changeMemberRole',
  summary: "Change a member's role (admin; to or from owner: owner)",
  description:
    'The last owner cannot be demoted (409 LAST_OWNER): make another member an owner first.',
  auth: 'session',
  body: ChangeRoleBody,
  responses: {
    200: { description: 'The member', schema: Member },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED, OWNER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (the org or the member)' },
    409: { description: 'LAST_OWNER' },
  },
};

export const route: Route = {
  spec,
  access: 'admin',
  async handle(c, p) {
    const body = await readJson(c, ChangeRoleBody);
    const access = await requireOrg(c, p, 'admin');
    const userId = pathId(c, 'userId', 'usr', 'member');
    const member = await changeRole(p, actingOf(c, access), {
      orgId: access.org.id,
      userId,
      role: body.role,
    });
    if (!member.ok) throw HttpError.from(member);
    return c.json(member.value, 200);
  },
};
