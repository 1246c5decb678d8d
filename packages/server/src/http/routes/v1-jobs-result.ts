import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { idParam } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { AUTH_ERRORS } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/jobs/{id}/result',
  operationId: 'getJobResult',
  summary: "A finished job's result bytes",
  auth: 'apiKey',
  responses: {
    200: { description: 'The result, with the Content-Type the model gave it' },
    401: { description: AUTH_ERRORS },
    404: { description: 'NOT_FOUND' },
    409: { description: 'JOB_NOT_FINISHED, JOB_FAILED' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const id = idParam(c, 'job', 'job');
    const result = await p.realtime.jobs.result(caller, id);
    if (!result.ok)
      throw HttpError.from(
        result,
        result.code === 'JOB_NOT_FINISHED' ? { 'Retry-After': '1' } : {},
      );
    return c.body(result.value.body as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': result.value.contentType,
      'X-Job-Id': id,
      'Cache-Control': 'private, max-age=3600',
    });
  },
};
