import { retireVersion } from '../../models/model-versions.js';
import { getModel } from '../../models/model-view.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { modelNameParam, PARTNER_AUTH, PartnerModelSchema, versionParam } from './model-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/models/{model}/versions/{version}/retire',
  operationId: 'retireModelVersion',
  summary: 'Retire a version (developer): tokens, sessions and jobs naming it are refused',
  description: `${PARTNER_AUTH} When it was the default, the default moves to the newest unretired version (or none). Retiring a retired version changes nothing.`,
  auth: 'session',
  responses: {
    200: { description: 'The model', schema: PartnerModelSchema },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const name = modelNameParam(c);
    const retired = await retireVersion(p, org, name, versionParam(c), {
      actor,
      ctx: requestContext(c),
    });
    if (!retired.ok) throw HttpError.from(retired);
    const view = await getModel(p, org, name);
    if (!view.ok) throw HttpError.from(view);
    return c.json(view.value, 200, NO_STORE);
  },
};
