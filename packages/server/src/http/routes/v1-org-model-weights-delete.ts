import { MODEL_VERSION, MODEL_VERSION_RULE } from '@latchkey/core';
import type { Context } from 'hono';
import { deleteWeights } from '../../models/weights.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH } from './model-schemas.js';
import { WeightsSchema } from './weights-schemas.js';

/** The `{version}` of a weights path; one that cannot exist is WEIGHTS_NOT_FOUND. */
export function weightsVersionParam(c: Context<AppEnv>): string {
  const v = c.req.param('version') ?? '';
  if (!MODEL_VERSION.test(v) || v.length > 64)
    throw new HttpError(
      'WEIGHTS_NOT_FOUND',
      `no weights version "${v.slice(0, 64)}" (${MODEL_VERSION_RULE})`,
    );
  return v;
}

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}/models/{model}/weights/{version}',
  operationId: 'deleteWeights',
  summary: 'Delete a weights version (developer), its manifest in the registry too',
  description: `${PARTNER_AUTH} Weights a published, unretired model version runs with are kept (CONFLICT naming the version). The registry must allow deletes (storage.delete.enabled: true). Audited as weights.deleted.`,
  auth: 'session',
  responses: {
    200: { description: 'The deleted version', schema: WeightsSchema },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND, WEIGHTS_NOT_FOUND, REGISTRY_NOT_CONFIGURED' },
    409: { description: 'CONFLICT (a published version uses these weights)' },
    502: { description: 'REGISTRY_UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const deleted = await deleteWeights(p, org, modelNameParam(c), {
      version: weightsVersionParam(c),
      actor,
      ctx: requestContext(c),
    });
    if (!deleted.ok) throw HttpError.from(deleted);
    return c.json(deleted.value, 200, NO_STORE);
  },
};
