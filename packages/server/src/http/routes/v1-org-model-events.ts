import { z } from 'zod';
import { modelEvents } from '../../models/model-events.js';
import { findModel } from '../../models/models.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE, readQuery } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH } from './model-schemas.js';

export const ModelEventsQuery = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const ModelEventSchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    action: z.string(),
    outcome: z.string(),
    target: z.string().nullable(),
    actor: z.string().nullable(),
    own: z.boolean(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ModelEvent' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/models/{model}/events',
  operationId: 'listModelEvents',
  summary: "A model's log: sessions, jobs, refusals, runtime joins and leaves, publish and retire",
  description: `${PARTNER_AUTH} Oldest first after \`after\` (a seq); pass the answer's \`next\` as \`after\` to read on or to follow. Rows of the apps using the model show no ids, addresses or metadata of theirs.`,
  auth: 'session',
  query: ModelEventsQuery,
  responses: {
    200: {
      description: 'One page of the log',
      schema: z.object({
        data: z.array(ModelEventSchema),
        next: z.number().nullable(),
        more: z.boolean(),
      }),
    },
    400: { description: 'INVALID_REQUEST (after, limit)' },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'WRONG_KEY_KIND' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const query = readQuery(c, ModelEventsQuery);
    const { org } = await requirePartnerOrg(c, p, 'viewer');
    const model = await findModel(p.db, org, modelNameParam(c));
    if (!model.ok) throw HttpError.from(model);
    const page = await modelEvents(p.db, model.value, {
      afterSeq: query.after,
      limit: query.limit ?? 100,
    });
    return c.json({ data: page.events, next: page.next, more: page.more }, 200, NO_STORE);
  },
};
