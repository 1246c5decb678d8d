import { z } from 'zod';
import { usableInvitation } from '../../accounts/invitations.js';
import { callAuth, passCookies, publicUser, refusalOf } from '../auth-forward.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { spendIpBudget } from '../sign-in-limits.js';
import { Email, Password, User } from './account-schemas.js';

export const SignUpBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(200).optional(),
    invitation: z
      .string()
      .max(200)
      .optional()
      .describe('An invitation token; required when the server takes new accounts by invitation'),
  })
  .meta({ id: 'SignUpRequest' });

export const SignUpResponse = z
  .object({
    user: User,
    signedIn: z
      .boolean()
      .describe('false when the email must be verified first (the server sends mail)'),
  })
  .meta({ id: 'SignUpResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/auth/sign-up/email',
  operationId: 'signUp',
  summary: 'Create an account with email and password',
  description:
    'Creates an account and, unless the email must be verified first, signs it in (sets the session cookie). LATCHKEY_SIGNUP decides who may: open, invite (with an invitation token) or closed.',
  body: SignUpBody,
  responses: {
    200: { description: 'The account', schema: SignUpResponse },
    400: { description: 'INVALID_REQUEST' },
    403: { description: 'SIGNUP_CLOSED, CSRF_REJECTED, INVITATION_EMAIL_MISMATCH' },
    409: { description: 'EMAIL_TAKEN' },
    410: { description: 'INVITATION_EXPIRED' },
    429: { description: 'RATE_LIMITED' },
  },
};

export const route: Route = {
  spec,
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, SignUpBody);
    await spendIpBudget(c, p);
    const policy = p.signup;
    if (policy === 'closed')
      throw new HttpError(
        'SIGNUP_CLOSED',
        'this server does not take new accounts; ask its operator',
      );
    if (policy === 'invite') {
      if (!body.invitation)
        throw new HttpError(
          'SIGNUP_CLOSED',
          'this server takes new accounts by invitation only; open the invitation link you were sent',
        );
      const inv = await usableInvitation(p, body.invitation, body.email);
      if (!inv.ok) throw HttpError.from(inv);
    }
    const answer = await callAuth(c, p, '/sign-up/email', {
      method: 'POST',
      body: {
        email: body.email,
        password: body.password,
        name: body.name ?? body.email.split('@')[0],
      },
    });
    if (answer.status !== 200 || !answer.body?.user) {
      const refusal = refusalOf(answer);
      await p.audit.write({
        orgId: null,
        action: 'account.sign_up',
        actor: 'anonymous',
        outcome: refusal.code,
        ip: c.get('ip'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
        data: { email: body.email },
      });
      throw refusal;
    }
    const user = publicUser(answer.body.user as Record<string, unknown>);
    await p.audit.write({
      orgId: null,
      action: 'account.sign_up',
      actor: `user:${user.id}`,
      target: user.id,
      outcome: 'ok',
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.get('requestId'),
      data: { email: user.email },
    });
    passCookies(c, answer);
    return c.json({ user, signedIn: answer.cookies.length > 0 }, 200, {
      'Cache-Control': 'no-store',
    });
  },
};
