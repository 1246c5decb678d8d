import { z } from 'zod';
import { orgsOf } from '../../accounts/memberships.js';
import { requireUser } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { Org, User } from './account-schemas.js';

export const MeResponse = z
  .object({
    user: User,
    orgs: z.array(Org).describe('Orgs you belong to (every org, for an instance admin)'),
  })
  .meta({ id: 'MeResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/me',
  operationId: 'me',
  summary: 'The signed-in user and their orgs',
  auth: 'session',
  responses: {
    200: { description: 'You', schema: MeResponse },
    401: { description: 'NOT_SIGNED_IN' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const user = await requireUser(c, p);
    const orgs = await orgsOf(p.db, user);
    return c.json({ user, orgs }, 200, { 'Cache-Control': 'no-store' });
  },
};
