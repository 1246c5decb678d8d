import { z } from 'zod';
import { deleteOrg } from '../../accounts/delete-org.js';
import { actingOf, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';

export const DeleteOrgResponse = z
  .object({
    ok: z.literal(true),
    keysRevoked: z.number().int(),
    credentialsRevoked: z.number().int(),
    sessionsEnded: z.number().int(),
  })
  .meta({ id: 'DeleteOrgResponse' });

export const spec: RouteSpec = {
  method: 'delete',
  path: '/v1/orgs/{org}',
  operationId: 'deleteOrg',
  summary: 'Delete an org (owner): revokes its keys, ends its sessions and registry credentials',
  description:
    'The org answers 404 from then on; its members and pending invitations are removed. Its audit trail is kept.',
  auth: 'session',
  responses: {
    200: { description: 'Deleted', schema: DeleteOrgResponse },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'OWNER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'owner',
  async handle(c, p) {
    const access = await requireOrg(c, p, 'owner');
    const deleted = await deleteOrg(p, actingOf(c, access), { orgId: access.org.id });
    if (!deleted.ok) throw HttpError.from(deleted);
    const { keysRevoked, credentialsRevoked, sessionsEnded } = deleted.value;
    return c.json({ ok: true as const, keysRevoked, credentialsRevoked, sessionsEnded }, 200);
  },
};
