import type { RegisterAnswer as RegisterAnswerBody } from '@latchkey/core/node';
import { HEARTBEAT_SECONDS, registerRuntime } from '../../realtime/runtime-registration.js';
import { authenticateRuntime } from '../authenticate-runtime.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { RegisterAnswer, RegisterBody, RUNTIME_AUTH_ERRORS } from './runtime-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/runtimes/register',
  operationId: 'registerRuntime',
  summary: 'A runtime process comes online (runtime credential)',
  description:
    'Called by `latchkey runtime`: where the coordinator reaches it, its models and capacity, and the bearer secret the coordinator must send it. The answer says where to verify session tokens (JWKS) and how often to heartbeat.',
  body: RegisterBody,
  responses: {
    200: {
      description: 'Registered',
      schema: RegisterAnswer,
    },
    400: { description: 'INVALID_REQUEST' },
    401: { description: RUNTIME_AUTH_ERRORS },
    403: {
      description:
        "RUNTIME_MODEL_NOT_ALLOWED (a partner org's runtime announced a model that is not its org's registered one)",
    },
    404: { description: 'MODEL_VERSION_NOT_FOUND (an announced version is not published)' },
    410: { description: 'MODEL_RETIRED (an announced version is retired)' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const runtime = await authenticateRuntime(c, p);
    const body = await readJson(c, RegisterBody);
    const done = await registerRuntime(p, runtime, body, { ip: c.get('ip') });
    if (!done.ok) throw HttpError.from(done);
    return c.json(
      {
        runtimeId: done.value.runtimeId,
        issuer: p.issuer,
        audience: p.config.audience,
        jwksUrl: `${p.issuer}/.well-known/jwks.json`,
        heartbeatSeconds: HEARTBEAT_SECONDS,
      } satisfies RegisterAnswerBody,
      200,
      { 'Cache-Control': 'no-store' },
    );
  },
};
