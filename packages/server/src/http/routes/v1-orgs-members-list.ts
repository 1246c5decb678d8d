import { z } from 'zod';
import { listMembers } from '../../accounts/memberships.js';
import { requireOrg } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { Member } from './account-schemas.js';

export const ListMembersResponse = z
  .object({ data: z.array(Member) })
  .meta({ id: 'ListMembersResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/members',
  operationId: 'listMembers',
  summary: "An org's members and their roles, oldest first",
  auth: 'session',
  responses: {
    200: { description: 'The members', schema: ListMembersResponse },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND (also when you are not a member)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requireOrg(c, p, 'viewer');
    return c.json({ data: await listMembers(p.db, org.id) }, 200, {
      'Cache-Control': 'no-store',
    });
  },
};
