import { z } from 'zod';
import { auditAction } from '../../accounts/memberships.js';
import { SLUG_PATTERN } from '../../services/orgs.js';
import { requestContext, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { Org } from './account-schemas.js';
import { SLUG_RULE } from './v1-orgs-create.js';

export const UpdateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    slug: z.string().regex(SLUG_PATTERN, SLUG_RULE).optional(),
    partner: z.boolean().optional().describe('Instance admins only: mark a vetted partner org'),
  })
  .meta({ id: 'UpdateOrgRequest' });

export const spec: RouteSpec = {
  method: 'patch',
  path: '/v1/orgs/{org}',
  operationId: 'updateOrg',
  summary: "Change an org's name or slug (admin); mark it a partner (instance admin)",
  auth: 'session',
  body: UpdateOrgBody,
  responses: {
    200: { description: 'The org', schema: Org },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED, INSTANCE_ADMIN_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT (slug taken)' },
  },
};

export const route: Route = {
  spec,
  access: 'admin',
  async handle(c, p) {
    const body = await readJson(c, UpdateOrgBody);
    const access = await requireOrg(c, p, 'admin');
    if (body.partner !== undefined && !access.user.instanceAdmin)
      throw new HttpError('INSTANCE_ADMIN_REQUIRED', 'only an instance admin marks partner orgs');
    const changes = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.slug !== undefined ? { slug: body.slug } : {}),
      ...(body.partner !== undefined ? { partner: body.partner } : {}),
    };
    if (Object.keys(changes).length === 0) return c.json({ ...access.org, role: access.role }, 200);
    try {
      await p.db.transaction().execute(async (trx) => {
        await trx.updateTable('orgs').set(changes).where('id', '=', access.org.id).execute();
        await auditAction(
          trx,
          p.clock,
          { userId: access.user.id, ctx: requestContext(c) },
          {
            orgId: access.org.id,
            action: 'org.updated',
            target: access.org.id,
            data: {
              before: { name: access.org.name, slug: access.org.slug, partner: access.org.partner },
              changes,
            },
          },
        );
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new HttpError('CONFLICT', `slug: an org with slug "${body.slug}" exists`);
      throw error;
    }
    return c.json({ ...access.org, ...changes, role: access.role }, 200);
  },
};
