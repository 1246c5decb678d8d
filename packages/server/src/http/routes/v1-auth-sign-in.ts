import { z } from 'zod';
import { callAuth, passCookies, publicUser, refusalOf } from '../auth-forward.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { checkAccountBudget, spendAccountBudget, spendIpBudget } from '../sign-in-limits.js';
import { AnyPassword, Email, User } from './account-schemas.js';

export const SignInBody = z
  .strictObject({
    email: Email,
    password: AnyPassword,
    rememberMe: z
      .boolean()
      .optional()
      .describe('false: the cookie ends with the browser session (default true: 7 days, renewed)'),
  })
  .meta({ id: 'SignInRequest' });

export const SignInResponse = z
  .union([
    z.object({ user: User }),
    z.object({
      twoFactorRequired: z.literal(true),
      methods: z.array(z.string()),
    }),
  ])
  .meta({ id: 'SignInResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/auth/sign-in/email',
  operationId: 'signIn',
  summary: 'Sign in with email and password',
  description:
    'Sets the account session cookie (HttpOnly, SameSite=Lax; __Host- and Secure under HTTPS). With a second factor on, answers twoFactorRequired and a short-lived cookie for POST /v1/auth/two-factor/verify-totp. An unknown email and a wrong password get the same answer.',
  body: SignInBody,
  responses: {
    200: { description: 'Signed in, or the second factor is due', schema: SignInResponse },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'INVALID_CREDENTIALS' },
    403: { description: 'EMAIL_NOT_VERIFIED, CSRF_REJECTED' },
    429: { description: 'RATE_LIMITED (per address, and per account after failures)' },
  },
};

export const route: Route = {
  spec,
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, SignInBody);
    await spendIpBudget(c, p);
    await checkAccountBudget(p, body.email);
    const answer = await callAuth(c, p, '/sign-in/email', { method: 'POST', body });
    const audit = (outcome: string, actor: string, target: string | null) =>
      p.audit.write({
        orgId: null,
        action: 'account.sign_in',
        actor,
        target,
        outcome,
        ip: c.get('ip'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
        data: { email: body.email },
      });
    if (answer.status !== 200 || !answer.body) {
      const refusal = refusalOf(answer);
      if (refusal.code === 'INVALID_CREDENTIALS') await spendAccountBudget(p, body.email);
      await audit(refusal.code, 'anonymous', null);
      throw refusal;
    }
    passCookies(c, answer);
    if (answer.body.twoFactorRedirect) {
      await audit('TWO_FACTOR_PENDING', 'anonymous', null);
      return c.json(
        {
          twoFactorRequired: true,
          methods: (answer.body.twoFactorMethods as string[] | undefined) ?? ['totp'],
        },
        200,
        { 'Cache-Control': 'no-store' },
      );
    }
    const user = publicUser(answer.body.user as Record<string, unknown>);
    await audit('ok', `user:${user.id}`, user.id);
    return c.json({ user }, 200, { 'Cache-Control': 'no-store' });
  },
};
