import { isModelRef, MAX_TOKEN_SECONDS, MODEL_REF_RULE } from '@latchkey/core';
import { z } from 'zod';
import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { AUTH_ERRORS, CreatedSessionSchema } from './session-schemas.js';

export const CreateSessionBody = z
  .strictObject({
    model: z.string().max(180).refine(isModelRef, MODEL_REF_RULE),
    maxSessionSeconds: z.number().int().min(1).max(MAX_TOKEN_SECONDS).optional(),
  })
  .meta({ id: 'CreateSessionRequest' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/sessions',
  operationId: 'createSession',
  summary: 'Open a realtime session with a model',
  description:
    "Takes a session token (browsers) or an app key (servers). The token's grant decides the models, the origins and how many sessions may be open at once; the session lasts until closed or until the grant's maxSessionSeconds (maxSessionSeconds in the body applies to app-key callers only). Then send the SDP offer to /v1/sessions/{id}/offer.",
  auth: 'apiKey',
  body: CreateSessionBody,
  responses: {
    201: { description: 'The session, and the ICE servers to use', schema: CreatedSessionSchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: AUTH_ERRORS },
    403: {
      description:
        "MODEL_NOT_ALLOWED (outside the grant, or a private partner model that does not list the caller's org), ORIGIN_NOT_ALLOWED, WRONG_KEY_KIND",
    },
    404: {
      description:
        'MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND (a partner model or version that does not exist)',
    },
    410: { description: 'MODEL_RETIRED (a retired version of a partner model)' },
    409: { description: 'SESSION_LIMIT' },
    503: { description: 'MODEL_UNAVAILABLE, UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const body = await readJson(c, CreateSessionBody);
    if (caller.kind === 'token' && body.maxSessionSeconds !== undefined)
      throw new HttpError(
        'INVALID_REQUEST',
        "maxSessionSeconds: set by the session token's grant; only app-key callers pass it here",
      );
    const created = await p.realtime.sessions.create(caller, body, requestContext(c));
    if (!created.ok)
      throw HttpError.from(
        created,
        created.code === 'MODEL_UNAVAILABLE' || created.code === 'UNAVAILABLE'
          ? { 'Retry-After': '2' }
          : {},
      );
    return c.json(created.value, 201, { 'Cache-Control': 'no-store' });
  },
};
