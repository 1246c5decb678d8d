import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import { modelParam, requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { JobInfoSchema, JobInput } from './job-schemas.js';
import { AUTH_ERRORS } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/jobs/{model}',
  operationId: 'submitJob',
  summary: 'Submit a batch job',
  description:
    "Checks the input against the model now (400 when it does not fit) and queues the job. Poll GET /v1/jobs/{id}; fetch the bytes from GET /v1/jobs/{id}/result. Jobs are visible to their org only (to a session token: its own and its end user's). Finished jobs are kept 24 h.",
  auth: 'apiKey',
  body: JobInput,
  responses: {
    202: { description: 'The queued job', schema: JobInfoSchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: AUTH_ERRORS },
    403: {
      description:
        "MODEL_NOT_ALLOWED (outside the grant, or a private partner model that does not list the caller's org), ORIGIN_NOT_ALLOWED",
    },
    404: {
      description:
        'MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND (a partner model or version that does not exist)',
    },
    410: { description: 'MODEL_RETIRED (a retired version of a partner model)' },
    503: { description: 'UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const model = modelParam(c);
    const input = await readJson(c, JobInput, true);
    const job = await p.realtime.jobs.submit(caller, model, input, requestContext(c));
    if (!job.ok) throw HttpError.from(job);
    return c.json(job.value, 202, {
      'Cache-Control': 'no-store',
      Location: `/v1/jobs/${job.value.jobId}`,
    });
  },
};
