import { deregisterRuntime } from '../../realtime/runtime-registration.js';
import { authenticateRuntime } from '../authenticate-runtime.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { DeregisterBody, RUNTIME_AUTH_ERRORS } from './runtime-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/runtimes/deregister',
  operationId: 'deregisterRuntime',
  summary: 'A runtime goes offline',
  body: DeregisterBody,
  responses: {
    204: { description: 'Offline; its sessions ended (runtime_shutdown)' },
    401: { description: RUNTIME_AUTH_ERRORS },
    409: { description: 'CONFLICT: another instance registered with this credential' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const runtime = await authenticateRuntime(c, p);
    const body = await readJson(c, DeregisterBody);
    const done = await deregisterRuntime(p, runtime, body);
    if (!done.ok) throw HttpError.from(done);
    return c.body(null, 204);
  },
};
