import { z } from 'zod';
import { createRuntimeCredential } from '../../realtime/runtime-credentials.js';
import { requestContext } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { requirePartnerOrg } from '../partner-access.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';

export const CreateRuntimeCredentialBody = z
  .strictObject({ name: z.string().trim().min(1).max(100) })
  .meta({ id: 'CreateRuntimeCredentialRequest' });

export const CreatedRuntimeCredentialSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    secret: z
      .string()
      .describe('rt_…: shown once. `latchkey runtime` reads it from LATCHKEY_RUNTIME_KEY'),
  })
  .meta({ id: 'CreatedRuntimeCredential' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/runtime-credentials',
  operationId: 'createRuntimeCredential',
  summary:
    "Create a runtime credential of a partner org (developer, or the partner key): its runtimes serve only the org's models",
  auth: 'session',
  body: CreateRuntimeCredentialBody,
  responses: {
    201: { description: 'The credential and its secret', schema: CreatedRuntimeCredentialSchema },
    400: { description: 'INVALID_REQUEST (name)' },
    401: { description: 'NOT_SIGNED_IN, MISSING_API_KEY, INVALID_API_KEY' },
    403: { description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (also an org that is not a partner org)' },
  },
};

export const route: Route = {
  spec,
  access: 'developer',
  async handle(c, p) {
    const body = await readJson(c, CreateRuntimeCredentialBody);
    const { org, actor } = await requirePartnerOrg(c, p, 'developer');
    const made = await createRuntimeCredential(p, {
      name: body.name,
      actor,
      orgId: org.id,
      ctx: requestContext(c),
    });
    if (!made.ok) throw HttpError.from(made);
    return c.json(made.value, 201, NO_STORE);
  },
};
