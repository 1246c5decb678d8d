import { callAuth, readQuery } from '../auth-forward.js';
import type { Route } from '../route.js';
import { answerLink, LinkAnswer, LinkQuery } from './v1-auth-email.js';

export const route: Route = {
  spec: {
    method: 'get',
    path: '/v1/auth/magic-link/verify',
    operationId: 'verifyMagicLink',
    summary: 'The target of a one-time sign-in link',
    description:
      'Query: token, and callbackURL (a path on this server). The links come from the first start of `latchkey serve` (the development user) and `latchkey admin`; each works once, for 24 hours. Signs in (session cookie) and redirects to callbackURL (with ?error=… when the link is no good); without callbackURL answers {user}.',
    responses: {
      200: { description: 'Signed in', schema: LinkAnswer },
      302: { description: 'Signed in (or ?error=…); to callbackURL' },
      400: { description: 'INVALID_REQUEST' },
    },
  },
  access: 'public',
  async handle(c, p) {
    const query = readQuery(c, LinkQuery);
    const answer = await callAuth(c, p, '/magic-link/verify', { method: 'GET', query });
    return answerLink(c, p, answer, 'account.sign_in');
  },
};
