import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { idParam } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { AUTH_ERRORS, SessionInfoSchema } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/sessions/{id}',
  operationId: 'closeSession',
  summary: 'End a session',
  description:
    'Closes the session (reason client_closed) and ends its media. Idempotent: a closed session answers with its state.',
  auth: 'apiKey',
  responses: {
    200: { description: 'The closed session', schema: SessionInfoSchema },
    401: { description: AUTH_ERRORS },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const closed = await p.realtime.sessions.close(caller, idParam(c, 'ses', 'session'));
    if (!closed.ok) throw HttpError.from(closed);
    return c.json(closed.value, 200, { 'Cache-Control': 'no-store' });
  },
};
