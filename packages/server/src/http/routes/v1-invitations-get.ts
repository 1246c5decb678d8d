import { z } from 'zod';
import { invitationOffer } from '../../accounts/invitations.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { RoleName } from './account-schemas.js';
import { invitationToken } from './invitation-token.js';

export const InvitationOffer = z
  .object({
    org: z.object({ name: z.string(), slug: z.string() }),
    role: RoleName,
    email: z.string().nullable().describe('only this address may accept it; null: anyone'),
    expiresAt: z.string(),
    state: z.enum(['pending', 'accepted', 'expired', 'revoked']),
  })
  .meta({ id: 'InvitationOffer' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/invitations/{token}',
  operationId: 'getInvitation',
  summary: 'What an invitation link offers: the org, the role, the bound email, its state',
  description: 'Public: the link is the credential. Nothing secret is in the answer.',
  responses: {
    200: { description: 'The offer', schema: InvitationOffer },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'public',
  async handle(c, p) {
    const offer = await invitationOffer(p, invitationToken(c));
    if (!offer.ok) throw HttpError.from(offer);
    return c.json(offer.value, 200, { 'Cache-Control': 'no-store' });
  },
};
