import { z } from 'zod';
import { removeMember } from '../../accounts/memberships.js';
import { actingOf, pathId, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';

export const RemoveMemberResponse = z
  .object({ userId: z.string(), removed: z.literal(true) })
  .meta({ id: 'RemoveMemberResponse' });

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}/members/{userId}',
  operationId: 'removeMember',
  summary: 'Remove a member (admin; an owner: owner), or leave (any member, your own userId)',
  description:
    'The last owner can neither leave nor be removed (409 LAST_OWNER): make another member an owner first, or delete the org.',
  auth: 'session',
  responses: {
    200: { description: 'Removed', schema: RemoveMemberResponse },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED, OWNER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (the org or the member)' },
    409: { description: 'LAST_OWNER' },
  },
};

export const route: Route = {
  spec,
  // Removing someone else needs an admin; leaving (your own userId) needs membership
  // only, which removeMember decides once it knows whose row it is.
  access: 'admin',
  async handle(c, p) {
    const access = await requireOrg(c, p, 'viewer');
    const userId = pathId(c, 'userId', 'usr', 'member');
    const removed = await removeMember(p, actingOf(c, access), { orgId: access.org.id, userId });
    if (!removed.ok) throw HttpError.from(removed);
    return c.json(removed.value, 200);
  },
};
