import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { idParam } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { JobInfoSchema } from './job-schemas.js';
import { AUTH_ERRORS } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  summary: "A job's state (queued, running, succeeded, failed)",
  auth: 'apiKey',
  responses: {
    200: { description: 'The job', schema: JobInfoSchema },
    401: { description: AUTH_ERRORS },
    404: { description: 'NOT_FOUND (also for jobs of other orgs)' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const job = await p.realtime.jobs.get(caller, idParam(c, 'job', 'job'));
    if (!job.ok) throw HttpError.from(job);
    return c.json(job.value, 200, { 'Cache-Control': 'no-store' });
  },
};
