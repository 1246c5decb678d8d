import { getWeights } from '../../models/weights.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH } from './model-schemas.js';
import { weightsVersionParam } from './v1-org-model-weights-delete.js';
import { WeightsSchema } from './weights-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/models/{model}/weights/{version}',
  operationId: 'getWeights',
  summary: 'One weights version (viewer): repository, manifest digest, files',
  description: PARTNER_AUTH,
  auth: 'session',
  responses: {
    200: { description: 'The weights version', schema: WeightsSchema },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'WRONG_KEY_KIND' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND, WEIGHTS_NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requirePartnerOrg(c, p, 'viewer');
    const got = await getWeights(p, org, modelNameParam(c), weightsVersionParam(c));
    if (!got.ok) throw HttpError.from(got);
    return c.json(got.value, 200, NO_STORE);
  },
};
