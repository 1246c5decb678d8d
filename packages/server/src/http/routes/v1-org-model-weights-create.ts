import { recordWeights } from '../../models/weights.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { readJson } from '../read-json.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH } from './model-schemas.js';
import { RecordWeightsBody, WeightsSchema } from './weights-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/models/{model}/weights',
  operationId: 'recordWeights',
  summary: 'Record a pushed weights version (developer)',
  description: `${PARTNER_AUTH} The manifest must already be in the registry at <org-slug>/weights/<name> (latchkey model weights push does both): the server reads it there by digest, checks it is a weights artifact (config ${'`application/vnd.latchkey.weights.config.v1+json`'}, layers ${'`application/vnd.latchkey.weights.file.v1`'} titled with their paths), and records its files and sizes. Audited as weights.pushed.`,
  auth: 'session',
  body: RecordWeightsBody,
  responses: {
    201: { description: 'The recorded version', schema: WeightsSchema },
    400: { description: 'INVALID_REQUEST (also: the manifest is not a weights artifact)' },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: {
      description:
        'NOT_FOUND, MODEL_NOT_FOUND, WEIGHTS_NOT_FOUND (no such manifest in the registry), REGISTRY_NOT_CONFIGURED',
    },
    409: { description: 'WEIGHTS_VERSION_EXISTS' },
    502: { description: 'REGISTRY_UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, RecordWeightsBody);
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const recorded = await recordWeights(p, org, modelNameParam(c), {
      ...body,
      actor,
      ctx: requestContext(c),
    });
    if (!recorded.ok) throw HttpError.from(recorded);
    return c.json(recorded.value, 201, NO_STORE);
  },
};
