import { z } from 'zod';
import { getModel } from '../../models/model-view.js';
import { registerModel } from '../../models/models.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { readJson } from '../read-json.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import { AllowedOrgs, PARTNER_AUTH, PartnerModelSchema } from './model-schemas.js';

export const RegisterModelBody = z
  .strictObject({
    name: z.string().min(1).max(113).meta({ description: 'NAME, or <org-slug>/NAME' }),
    kind: z.enum(['realtime', 'batch']),
    description: z.string().max(2000).optional(),
    visibility: z.enum(['public', 'private']).optional(),
    allowedOrgs: AllowedOrgs.optional(),
  })
  .meta({ id: 'RegisterModelRequest' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/models',
  operationId: 'registerModel',
  summary: 'Register a partner model <org-slug>/<name> (developer)',
  description: `${PARTNER_AUTH} Private by default: only the owner org and the orgs in allowedOrgs (slugs or ids) may name it in tokens.`,
  auth: 'session',
  body: RegisterModelBody,
  responses: {
    201: { description: 'The model', schema: PartnerModelSchema },
    400: { description: 'INVALID_REQUEST (name, an unknown org in allowedOrgs)' },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (another org, or not a partner org)' },
    409: { description: 'MODEL_EXISTS' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, RegisterModelBody);
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const made = await registerModel(p, org, { ...body, actor, ctx: requestContext(c) });
    if (!made.ok) throw HttpError.from(made);
    const view = await getModel(p, org, made.value.name);
    if (!view.ok) throw HttpError.from(view);
    return c.json(view.value, 201, NO_STORE);
  },
};
