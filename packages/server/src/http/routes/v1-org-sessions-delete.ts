import { closeSessions } from '../../realtime/close-sessions.js';
import { toOrgSession } from '../../realtime/key-sessions.js';
import { requestContext, requireOrg } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, notFound, OrgSessionSchema, pathId } from './management-schemas.js';

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}/sessions/{id}',
  operationId: 'endOrgSession',
  summary: 'End a session of the org at once (developer)',
  description:
    'Closes the session (reason ended_by_member) and ends its media on its runtime, so the browser holding it sees it end. A session already closed answers with its state.',
  auth: 'session',
  responses: {
    200: { description: 'The session', schema: OrgSessionSchema },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also a session of another org)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const { org, actor } = await requireOrg(c, p, 'developer');
    const id = pathId(c, 'id', 'ses', 'session');
    const [closed] = await closeSessions(
      p,
      (eb) => eb.and([eb('id', '=', id), eb('org_id', '=', org.id)]),
      'ended_by_member',
      actor,
      requestContext(c),
    );
    if (closed) return c.json(toOrgSession(closed), 200, NO_STORE);
    const row = await p.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .where('org_id', '=', org.id)
      .executeTakeFirst();
    if (!row) throw notFound('session', id);
    return c.json(toOrgSession(row), 200, NO_STORE);
  },
};
