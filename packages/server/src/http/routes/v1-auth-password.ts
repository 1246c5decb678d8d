import { z } from 'zod';
import { linkPaths } from '../../accounts/auth.js';
import { requireUser } from '../account-session.js';
import { auditAccount, callAuth, passCookies, refusalOf } from '../auth-forward.js';
import { readJson } from '../read-json.js';
import type { Route } from '../route.js';
import { checkAccountBudget, spendAccountBudget, spendIpBudget } from '../sign-in-limits.js';
import { AnyPassword, Email, Ok, Password } from './account-schemas.js';

// Passwords: change one (signed in), ask for a reset link, set a new one with it.

export const ChangePasswordBody = z
  .strictObject({
    currentPassword: AnyPassword,
    newPassword: Password,
    revokeOtherSessions: z
      .boolean()
      .optional()
      .describe('Also end every other session of this account (this one stays)'),
  })
  .meta({ id: 'ChangePasswordRequest' });

export const changePassword: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/change-password',
    operationId: 'changePassword',
    summary: 'Change your password',
    auth: 'session',
    body: ChangePasswordBody,
    responses: {
      200: { description: 'Changed', schema: Ok },
      400: { description: 'INVALID_REQUEST' },
      401: { description: 'NOT_SIGNED_IN, INVALID_CREDENTIALS (the current password is wrong)' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED (failed password checks of this account)' },
    },
  },
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, ChangePasswordBody);
    const user = await requireUser(c, p);
    // A wrong current password spends from the account's failed sign-in budget: a stolen
    // cookie is no way to guess the password.
    await checkAccountBudget(p, user.email);
    const answer = await callAuth(c, p, '/change-password', { method: 'POST', body });
    const ok = answer.status === 200;
    const refusal = ok ? undefined : refusalOf(answer);
    if (refusal?.code === 'INVALID_CREDENTIALS') await spendAccountBudget(p, user.email);
    await auditAccount(c, p, {
      action: 'account.password_changed',
      actor: `user:${user.id}`,
      target: user.id,
      outcome: refusal?.code ?? 'ok',
      data: { revokeOtherSessions: body.revokeOtherSessions === true },
    });
    if (refusal) throw refusal;
    // With revokeOtherSessions the library starts a new session: its cookie, never its token.
    passCookies(c, answer);
    return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
  },
};

export const RequestPasswordResetBody = z
  .strictObject({ email: Email })
  .meta({ id: 'RequestPasswordResetRequest' });

export const requestPasswordReset: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/request-password-reset',
    operationId: 'requestPasswordReset',
    summary: 'Mail a link to choose a new password',
    description: `Always answers ok, whether or not an account has this email (no enumeration). The mail links to ${linkPaths.resetPassword}?token=…, valid for an hour. Counts against the client address's sign-in budget.`,
    body: RequestPasswordResetBody,
    responses: {
      200: { description: 'Asked (a mail is sent if the account exists)', schema: Ok },
      400: { description: 'INVALID_REQUEST' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED' },
    },
  },
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, RequestPasswordResetBody);
    await spendIpBudget(c, p);
    const answer = await callAuth(c, p, '/request-password-reset', { method: 'POST', body });
    // The library answers alike for known and unknown addresses; anything else is ours to log.
    if (answer.status !== 200)
      p.log.warn('password reset request refused by the accounts library', {
        status: answer.status,
        code: answer.body?.code,
      });
    await auditAccount(c, p, {
      action: 'account.password_reset_requested',
      actor: 'anonymous',
      outcome: 'ok',
      data: { email: body.email },
    });
    return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
  },
};

export const ResetPasswordBody = z
  .strictObject({
    token: z.string().min(1).max(200).describe('The token of the mailed link'),
    newPassword: Password,
  })
  .meta({ id: 'ResetPasswordRequest' });

export const resetPassword: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/reset-password',
    operationId: 'resetPassword',
    summary: 'Set a new password with a reset link',
    description:
      'The token is single use. Every session of the account ends; sign in with the new password.',
    body: ResetPasswordBody,
    responses: {
      200: { description: 'The password is set', schema: Ok },
      400: { description: 'INVALID_REQUEST, INVALID_LINK (invalid, expired or used)' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED' },
    },
  },
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, ResetPasswordBody);
    await spendIpBudget(c, p);
    // Whose link it is, for the audit row (read before the library consumes it).
    const ctx = await p.auth.$context;
    const pending = await ctx.internalAdapter.findVerificationValue(`reset-password:${body.token}`);
    const userId = pending?.value ?? null;
    const answer = await callAuth(c, p, '/reset-password', { method: 'POST', body });
    const refusal = answer.status === 200 ? undefined : refusalOf(answer);
    await auditAccount(c, p, {
      action: 'account.password_reset',
      actor: userId ? `user:${userId}` : 'anonymous',
      target: userId,
      outcome: refusal?.code ?? 'ok',
    });
    if (refusal) throw refusal;
    return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
  },
};
