import { z } from 'zod';
import { listModels } from '../../models/model-view.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { PARTNER_AUTH, PartnerModelSchema } from './model-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/models',
  operationId: 'listPartnerModels',
  summary: "A partner org's models: versions, their states, weights and the runtimes serving them",
  description: PARTNER_AUTH,
  auth: 'session',
  responses: {
    200: {
      description: 'The models, by name',
      schema: z.object({ data: z.array(PartnerModelSchema) }),
    },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'WRONG_KEY_KIND (an app key)' },
    404: { description: 'NOT_FOUND (another org, or not a partner org)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requirePartnerOrg(c, p, 'viewer');
    return c.json({ data: await listModels(p, org) }, 200, NO_STORE);
  },
};
