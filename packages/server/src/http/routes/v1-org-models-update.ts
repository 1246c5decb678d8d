import { z } from 'zod';
import { getModel } from '../../models/model-view.js';
import { updateModel } from '../../models/models.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { readJson } from '../read-json.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import {
  AllowedOrgs,
  modelNameParam,
  PARTNER_AUTH,
  PartnerModelSchema,
  VersionString,
} from './model-schemas.js';

export const UpdateModelBody = z
  .strictObject({
    description: z.string().max(2000).optional(),
    visibility: z.enum(['public', 'private']).optional(),
    allowedOrgs: AllowedOrgs.optional(),
    defaultVersion: VersionString.optional(),
  })
  .meta({ id: 'UpdateModelRequest' });

export const spec: RouteSpec = {
  method: 'patch',
  path: '/v1/orgs/{org}/models/{model}',
  operationId: 'updateModel',
  summary: "Change a model's description, visibility, access list or default version (developer)",
  description: `${PARTNER_AUTH} allowedOrgs replaces the list.`,
  auth: 'session',
  body: UpdateModelBody,
  responses: {
    200: { description: 'The model', schema: PartnerModelSchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND' },
    410: { description: 'MODEL_RETIRED (defaultVersion names a retired version)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, UpdateModelBody);
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const name = modelNameParam(c);
    const updated = await updateModel(p, org, name, { ...body, actor, ctx: requestContext(c) });
    if (!updated.ok) throw HttpError.from(updated);
    const view = await getModel(p, org, updated.value.name);
    if (!view.ok) throw HttpError.from(view);
    return c.json(view.value, 200, NO_STORE);
  },
};
