import { requireOrg } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { Org } from './account-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}',
  operationId: 'getOrg',
  summary: 'An org (by id or slug) with your role in it',
  auth: 'session',
  responses: {
    200: { description: 'The org', schema: Org },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND (also when you are not a member)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org, role } = await requireOrg(c, p, 'viewer');
    return c.json({ ...org, role }, 200, { 'Cache-Control': 'no-store' });
  },
};
