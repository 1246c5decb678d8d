import { z } from 'zod';
import { publishVersion } from '../../models/model-versions.js';
import { getModel } from '../../models/model-view.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { readJson } from '../read-json.js';
import { requestContext } from '../request-context.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';
import {
  modelNameParam,
  PARTNER_AUTH,
  PartnerModelSchema,
  VersionString,
} from './model-schemas.js';

const MAX_RESOURCES_BYTES = 4096;

export const PublishVersionBody = z
  .strictObject({
    version: VersionString,
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .meta({ description: 'HOST/<org-slug>/NAME:TAG or …@sha256:…; pinned by digest' }),
    weights: VersionString.optional().meta({ description: 'a recorded weights version' }),
    resources: z
      .record(z.string().max(64), z.unknown())
      .optional()
      .refine(
        (r) => r === undefined || JSON.stringify(r).length <= MAX_RESOURCES_BYTES,
        `must be at most ${MAX_RESOURCES_BYTES} bytes as JSON`,
      ),
    default: z.boolean().optional(),
  })
  .meta({ id: 'PublishVersionRequest' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/models/{model}/versions',
  operationId: 'publishModelVersion',
  summary: 'Publish a version of a partner model (developer)',
  description: `${PARTNER_AUTH} An image is resolved against the platform's registry and pinned by its manifest digest; weights must be a recorded weights version of the model. The first version becomes the default, as does one published with default: true.`,
  auth: 'session',
  body: PublishVersionBody,
  responses: {
    201: { description: 'The model, with the new version', schema: PartnerModelSchema },
    400: { description: 'INVALID_REQUEST, IMAGE_NOT_FOUND' },
    401: { description: 'NOT_SIGNED_IN, INVALID_API_KEY, …' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND, MODEL_NOT_FOUND, WEIGHTS_NOT_FOUND, REGISTRY_NOT_CONFIGURED' },
    409: { description: 'MODEL_VERSION_EXISTS' },
    502: { description: 'REGISTRY_UNAVAILABLE' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, PublishVersionBody);
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const published = await publishVersion(p, org, modelNameParam(c), {
      ...body,
      actor,
      ctx: requestContext(c),
    });
    if (!published.ok) throw HttpError.from(published);
    const view = await getModel(p, org, modelNameParam(c));
    if (!view.ok) throw HttpError.from(view);
    return c.json(view.value, 201, NO_STORE);
  },
};
