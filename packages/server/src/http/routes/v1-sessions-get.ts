import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { idParam } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { AUTH_ERRORS, SessionInfoSchema } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/sessions/{id}',
  operationId: 'getSession',
  summary: 'Describe a session: its state and, once closed, why',
  auth: 'apiKey',
  responses: {
    200: { description: 'The session', schema: SessionInfoSchema },
    401: { description: AUTH_ERRORS },
    404: { description: 'NOT_FOUND (also for sessions of other orgs and other end users)' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const found = await p.realtime.sessions.get(caller, idParam(c, 'ses', 'session'));
    if (!found.ok) throw HttpError.from(found);
    return c.json(found.value, 200, { 'Cache-Control': 'no-store' });
  },
};
