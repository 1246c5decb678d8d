import { applyRuntimeEvents } from '../../realtime/runtime-registration.js';
import { authenticateRuntime } from '../authenticate-runtime.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { EventsBody, RUNTIME_AUTH_ERRORS } from './runtime-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/runtimes/events',
  operationId: 'runtimeEvents',
  summary: 'A runtime reports session state changes',
  description:
    'session-waiting, session-active, session-closed (with its reason). A runtime can only change its own sessions.',
  body: EventsBody,
  responses: {
    204: { description: 'Applied' },
    401: { description: RUNTIME_AUTH_ERRORS },
    409: { description: 'CONFLICT: another instance registered with this credential' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const runtime = await authenticateRuntime(c, p);
    const body = await readJson(c, EventsBody);
    const done = await applyRuntimeEvents(p.realtime.sessions, runtime, body);
    if (!done.ok) throw HttpError.from(done);
    return c.body(null, 204);
  },
};
