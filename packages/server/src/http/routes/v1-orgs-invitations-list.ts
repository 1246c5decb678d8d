import { z } from 'zod';
import { listInvitations } from '../../accounts/invitations.js';
import { requireOrg } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { Invitation } from './account-schemas.js';

export const ListInvitationsResponse = z
  .object({ data: z.array(Invitation) })
  .meta({ id: 'ListInvitationsResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/invitations',
  operationId: 'listInvitations',
  summary: "An org's invitations, newest first (admin); never their links",
  auth: 'session',
  responses: {
    200: { description: 'The invitations', schema: ListInvitationsResponse },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'admin',
  async handle(c, p) {
    const { org } = await requireOrg(c, p, 'admin');
    return c.json({ data: await listInvitations(p, org.id) }, 200, {
      'Cache-Control': 'no-store',
    });
  },
};
