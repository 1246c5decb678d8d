import { z } from 'zod';
import { createOrg, SLUG_PATTERN } from '../../services/orgs.js';
import { requestContext, requireUser } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { Org } from './account-schemas.js';

export const SLUG_RULE = 'lowercase letters, digits and dashes, 1 to 48 characters';

export const CreateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    slug: z.string().regex(SLUG_PATTERN, SLUG_RULE).optional(),
  })
  .meta({ id: 'CreateOrgRequest' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs',
  operationId: 'createOrg',
  summary: 'Create an app org; you become its owner',
  description: 'Partner orgs are marked by an instance admin (PATCH /v1/orgs/{org} with partner).',
  auth: 'session',
  body: CreateOrgBody,
  responses: {
    201: { description: 'The org', schema: Org },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'CSRF_REJECTED' },
    409: { description: 'CONFLICT (slug taken)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, CreateOrgBody);
    const user = await requireUser(c, p);
    const org = await createOrg(p.db, p.clock, {
      name: body.name,
      slug: body.slug,
      actor: `user:${user.id}`,
      owner: user.id,
      ctx: requestContext(c),
    });
    if (!org.ok) throw HttpError.from(org);
    return c.json({ ...org.value, role: 'owner' }, 201);
  },
};
