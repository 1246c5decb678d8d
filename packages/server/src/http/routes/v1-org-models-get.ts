import { getModel } from '../../models/model-view.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH, PartnerModelSchema } from './model-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/models/{model}',
  operationId: 'getPartnerModel',
  summary: 'One partner model in full',
  description: `${PARTNER_AUTH} {model} is the name after the slash (or the full name, percent-encoded).`,
  auth: 'session',
  responses: {
    200: { description: 'The model', schema: PartnerModelSchema },
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
    const view = await getModel(p, org, modelNameParam(c));
    if (!view.ok) throw HttpError.from(view);
    return c.json(view.value, 200, NO_STORE);
  },
};
