import { z } from 'zod';
import { authenticateCaller } from '../authenticate-caller.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import { idParam } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { AUTH_ERRORS } from './session-schemas.js';

export const OfferBody = z
  .strictObject({
    sdp: z
      .string()
      .min(1)
      .refine((s) => s.startsWith('v=0'), 'must be an SDP offer (it starts with "v=0")'),
    type: z.literal('offer').optional(),
  })
  .meta({ id: 'SessionOffer' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/sessions/{id}/offer',
  operationId: 'offerSession',
  summary: 'Send the WebRTC offer; get the answer',
  description:
    'Non-trickle signaling: the offer carries the browser\'s ICE candidates and the answer the runtime\'s. A new offer on an open session replaces its transport (reconnecting). The session goes to "waiting", then "active" once the media is up and the model is ready.',
  auth: 'apiKey',
  body: OfferBody,
  responses: {
    200: {
      description: 'The SDP answer',
      schema: z
        .object({ type: z.literal('answer'), sdp: z.string() })
        .meta({ id: 'SessionAnswer' }),
    },
    400: { description: 'INVALID_REQUEST (not an SDP offer the runtime can take)' },
    401: { description: AUTH_ERRORS },
    404: { description: 'NOT_FOUND' },
    409: { description: 'SESSION_CLOSED' },
    503: { description: 'UNAVAILABLE (the runtime cannot be reached)' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const id = idParam(c, 'ses', 'session');
    const body = await readJson(c, OfferBody);
    const answer = await p.realtime.sessions.offer(caller, id, body.sdp);
    if (!answer.ok) throw HttpError.from(answer);
    return c.json(answer.value, 200, { 'Cache-Control': 'no-store' });
  },
};
