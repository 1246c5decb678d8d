import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import { modelParam, requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { JobInput } from './job-schemas.js';
import { AUTH_ERRORS } from './session-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/generate/{model}',
  operationId: 'generate',
  summary: 'Run a batch model and wait for its result',
  description:
    'Runs the job now and answers with the result bytes (Content-Type as the model says, e.g. image/png) and X-Job-Id. Also recorded as a job, so GET /v1/jobs/{id} works afterwards. Takes an app key or a session token.',
  auth: 'apiKey',
  body: JobInput,
  responses: {
    200: { description: 'The result bytes' },
    400: { description: 'INVALID_REQUEST (the input does not fit the model)' },
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
    409: { description: 'JOB_FAILED' },
    503: { description: 'UNAVAILABLE, MODEL_UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const model = modelParam(c);
    const input = await readJson(c, JobInput, true);
    const done = await p.realtime.jobs.generate(caller, model, input, requestContext(c));
    if (!done.ok) throw HttpError.from(done);
    return c.body(done.value.body as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': done.value.contentType,
      'X-Job-Id': done.value.jobId,
      'Cache-Control': 'no-store',
    });
  },
};
