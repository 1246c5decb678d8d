import { z } from 'zod';
import { listSessions } from '../../realtime/key-sessions.js';
import { requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, OrgSessionSchema, readQuery } from './management-schemas.js';

export const ListSessionsQuery = z.object({
  state: z
    .enum(['created', 'waiting', 'active', 'closed', 'open'])
    .optional()
    .describe('open: any state but closed'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/sessions',
  operationId: 'listOrgSessions',
  summary: "An org's realtime sessions, newest first (?state=active|open|closed, ?limit ≤ 1000)",
  auth: 'session',
  query: ListSessionsQuery,
  responses: {
    200: { description: 'The sessions', schema: z.object({ data: z.array(OrgSessionSchema) }) },
    400: { description: 'INVALID_REQUEST (state, limit)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const query = readQuery(c, ListSessionsQuery);
    const { org } = await requireOrg(c, p, 'viewer');
    const sessions = await listSessions(p, { org: org.id, state: query.state, limit: query.limit });
    if (!sessions.ok) throw HttpError.from(sessions);
    return c.json({ data: sessions.value }, 200, NO_STORE);
  },
};
