import { z } from 'zod';
import { acceptInvitation } from '../../accounts/invitations.js';
import { findOrg } from '../../services/orgs.js';
import { requestContext, requireUser } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { Org, RoleName } from './account-schemas.js';
import { invitationToken } from './invitation-token.js';

export const AcceptInvitationResponse = z
  .object({ org: Org, role: RoleName })
  .meta({ id: 'AcceptInvitationResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/invitations/{token}/accept',
  operationId: 'acceptInvitation',
  summary: 'Join the org an invitation link offers, as the signed-in user',
  description:
    'Single use, even when two accept at once. Accepting never lowers a role you already hold.',
  auth: 'session',
  responses: {
    200: { description: 'You are a member', schema: AcceptInvitationResponse },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'INVITATION_EMAIL_MISMATCH, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND' },
    410: { description: 'INVITATION_EXPIRED (expired, used or revoked)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const user = await requireUser(c, p);
    const token = invitationToken(c);
    const accepted = await acceptInvitation(
      p,
      { id: user.id, email: user.email, ctx: requestContext(c) },
      token,
    );
    if (!accepted.ok) throw HttpError.from(accepted);
    const org = await findOrg(p.db, accepted.value.orgId);
    if (!org.ok) throw HttpError.from(org);
    return c.json(
      { org: { ...org.value, role: accepted.value.role }, role: accepted.value.role },
      200,
    );
  },
};
