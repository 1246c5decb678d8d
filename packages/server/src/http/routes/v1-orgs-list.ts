import { z } from 'zod';
import { orgsOf } from '../../accounts/memberships.js';
import { requireUser } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { Org } from './account-schemas.js';

export const ListOrgsResponse = z.object({ data: z.array(Org) }).meta({ id: 'ListOrgsResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs',
  operationId: 'listOrgs',
  summary: 'Orgs you belong to (every org, for an instance admin)',
  auth: 'session',
  responses: {
    200: { description: 'Orgs with your role', schema: ListOrgsResponse },
    401: { description: 'NOT_SIGNED_IN' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const user = await requireUser(c, p);
    return c.json({ data: await orgsOf(p.db, user) }, 200, { 'Cache-Control': 'no-store' });
  },
};
