import { z } from 'zod';
import { listWeights } from '../../models/weights.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH } from './model-schemas.js';
import { WeightsSchema } from './weights-schemas.js';

export const WeightsListSchema = z
  .object({ data: z.array(WeightsSchema) })
  .meta({ id: 'WeightsList' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/models/{model}/weights',
  operationId: 'listWeights',
  summary: "The model's weights versions (viewer), newest first",
  description: PARTNER_AUTH,
  auth: 'session',
  responses: {
    200: { description: 'The weights versions, each with its files', schema: WeightsListSchema },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'WRONG_KEY_KIND' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requirePartnerOrg(c, p, 'viewer');
    const list = await listWeights(p, org, modelNameParam(c));
    if (!list.ok) throw HttpError.from(list);
    return c.json({ data: list.value }, 200, NO_STORE);
  },
};
