import { heartbeatRuntime } from '../../realtime/runtime-registration.js';
import { authenticateRuntime } from '../authenticate-runtime.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { HeartbeatAnswer, HeartbeatBody, RUNTIME_AUTH_ERRORS } from './runtime-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/runtimes/heartbeat',
  operationId: 'heartbeatRuntime',
  summary: 'A runtime is alive; reconcile its sessions',
  description:
    'The runtime lists its open sessions; the answer lists those it must end (closed here, or unknown). Open sessions it no longer lists end here (runtime_lost). A runtime silent for 10 s gets no new work and its sessions end.',
  body: HeartbeatBody,
  responses: {
    200: {
      description: 'Sessions to end',
      schema: HeartbeatAnswer,
    },
    401: { description: RUNTIME_AUTH_ERRORS },
    409: {
      description: 'CONFLICT: another instance registered with this credential; register again',
    },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const runtime = await authenticateRuntime(c, p);
    const body = await readJson(c, HeartbeatBody);
    const done = await heartbeatRuntime(p, runtime, body);
    if (!done.ok) throw HttpError.from(done);
    return c.json(done.value, 200, { 'Cache-Control': 'no-store' });
  },
};
