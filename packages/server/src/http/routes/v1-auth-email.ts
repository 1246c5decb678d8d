import type { Context } from 'hono';
import { z } from 'zod';
import {
  type AuthAnswer,
  auditAccount,
  CallbackPath,
  callAuth,
  currentUser,
  passCookies,
  publicUser,
  readQuery,
  refusalOf,
  userOfCookies,
} from '../auth-forward.js';
import type { AppEnv, Platform } from '../env.js';
import { readJson } from '../read-json.js';
import type { Route } from '../route.js';
import { spendIpBudget } from '../sign-in-limits.js';
import { Email, Ok, User } from './account-schemas.js';

// Proving an email address: send the link again, and the link's target.

export const SendVerificationEmailBody = z
  .strictObject({ email: Email })
  .meta({ id: 'SendVerificationEmailRequest' });

export const sendVerificationEmail: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/send-verification-email',
    operationId: 'sendVerificationEmail',
    summary: 'Mail the email verification link again',
    description:
      'Answers ok whether or not an unverified account has this email (no enumeration). Signed in, the email must be your own.',
    body: SendVerificationEmailBody,
    responses: {
      200: { description: 'Asked', schema: Ok },
      400: { description: 'INVALID_REQUEST (signed in: not your email, or already verified)' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED' },
    },
  },
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, SendVerificationEmailBody);
    await spendIpBudget(c, p);
    const user = await currentUser(c, p);
    const answer = await callAuth(c, p, '/send-verification-email', {
      method: 'POST',
      body: { email: body.email, callbackURL: '/' },
    });
    const refusal = answer.status === 200 ? undefined : refusalOf(answer);
    await auditAccount(c, p, {
      action: 'account.verification_email_requested',
      actor: user ? `user:${String(user.id)}` : 'anonymous',
      target: user ? String(user.id) : null,
      outcome: refusal?.code ?? 'ok',
      data: { email: body.email },
    });
    if (refusal) throw refusal;
    return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
  },
};

export const LinkQuery = z.strictObject({
  token: z.string().min(1).max(2000),
  callbackURL: CallbackPath.optional(),
});

export const LinkAnswer = z.object({ user: User }).meta({ id: 'LinkAnswer' });

/**
 * A link opened in the browser, answered as the library did: a redirect (to
 * `callbackURL`, with `?error=…` when the link is no good) with the session cookie, or
 * without `callbackURL` JSON `{user}` (the token stays in the cookie). Audited.
 */
export async function answerLink(
  c: Context<AppEnv>,
  p: Platform,
  answer: AuthAnswer,
  action: string,
): Promise<Response> {
  const redirect = answer.status >= 300 && answer.status < 400 && answer.location !== null;
  const linkError = redirect
    ? new URL(answer.location ?? '/', p.issuer).searchParams.get('error')
    : null;
  const failed = redirect ? linkError !== null : answer.status !== 200 || !answer.body?.user;
  const user = failed ? null : await userOfCookies(p, answer);
  const refusal = failed && !redirect ? refusalOf(answer) : undefined;
  await auditAccount(c, p, {
    action,
    actor: user ? `user:${String(user.id)}` : 'anonymous',
    target: user ? String(user.id) : null,
    outcome: failed ? (refusal?.code ?? 'INVALID_LINK') : 'ok',
    ...(linkError ? { data: { error: linkError.slice(0, 100) } } : {}),
  });
  if (refusal) throw refusal;
  passCookies(c, answer);
  c.header('Cache-Control', 'no-store');
  if (redirect) return c.redirect(answer.location ?? '/', 302);
  return c.json({ user: publicUser((user ?? answer.body?.user) as Record<string, unknown>) }, 200);
}

export const verifyEmail: Route = {
  spec: {
    method: 'get',
    path: '/v1/auth/verify-email',
    operationId: 'verifyEmail',
    summary: 'The target of the email verification link',
    description:
      'Query: token, and callbackURL (a path on this server). Verifies the email and signs the account in (session cookie), then redirects to callbackURL (with ?error=… when the link is no good); without callbackURL answers {user}.',
    responses: {
      200: { description: 'Verified and signed in', schema: LinkAnswer },
      302: { description: 'Verified (or ?error=…); to callbackURL' },
      400: { description: 'INVALID_REQUEST, INVALID_LINK' },
    },
  },
  access: 'public',
  async handle(c, p) {
    const query = readQuery(c, LinkQuery);
    const answer = await callAuth(c, p, '/verify-email', { method: 'GET', query });
    return answerLink(c, p, answer, 'account.email_verified');
  },
};
