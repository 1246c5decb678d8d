import { z } from 'zod';
import { createInvitation } from '../../accounts/invitations.js';
import { actingOf, requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { Email, Invitation, RoleName } from './account-schemas.js';

export const CreateInvitationBody = z
  .strictObject({
    role: RoleName.describe('the role the invitee gets; owner needs an owner'),
    email: Email.optional().describe('only this address may accept it (and it is mailed there)'),
  })
  .meta({ id: 'CreateInvitationRequest' });

export const CreateInvitationResponse = z
  .object({
    invitation: Invitation,
    token: z.string().describe('the link’s secret, shown once'),
    url: z.string().describe('the page that accepts it: `<server>/invitations/<token>`'),
  })
  .meta({ id: 'CreateInvitationResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/orgs/{org}/invitations',
  operationId: 'createInvitation',
  summary: 'Invite someone to the org (admin; an owner: owner)',
  description:
    'A single-use link valid for 7 days, optionally bound to an email. With mail configured (LATCHKEY_SMTP_URL) the link is mailed to that address; either way it is in this answer once.',
  auth: 'session',
  body: CreateInvitationBody,
  responses: {
    201: { description: 'The invitation and its link', schema: CreateInvitationResponse },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'ADMIN_ROLE_REQUIRED, OWNER_ROLE_REQUIRED, CSRF_REJECTED' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'admin',
  async handle(c, p) {
    const body = await readJson(c, CreateInvitationBody);
    const access = await requireOrg(c, p, 'admin');
    const created = await createInvitation(p, actingOf(c, access), {
      orgId: access.org.id,
      role: body.role,
      email: body.email,
    });
    if (!created.ok) throw HttpError.from(created);
    const { invitation, token } = created.value;
    const url = `${p.issuer}/invitations/${token}`;
    if (invitation.email && p.mailer.delivers)
      void p.mailer.send({
        to: invitation.email,
        subject: `You are invited to ${access.org.name} on Latchkey`,
        text: `${access.user.name || access.user.email} invited you to the org "${access.org.name}" on Latchkey as ${invitation.role}.\nOpen this link to accept (sign in or create an account with ${invitation.email}):\n\n${url}\n\nThe link works once and expires on ${invitation.expiresAt}.`,
      });
    return c.json({ invitation, token, url }, 201, { 'Cache-Control': 'no-store' });
  },
};
