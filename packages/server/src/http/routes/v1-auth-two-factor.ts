import type { Context } from 'hono';
import { z } from 'zod';
import { requireUser } from '../account-session.js';
import {
  auditAccount,
  callAuth,
  currentUser,
  passCookies,
  publicUser,
  refusalOf,
} from '../auth-forward.js';
import type { AppEnv, Platform } from '../env.js';
import { readJson } from '../read-json.js';
import type { Route } from '../route.js';
import { checkAccountBudget, spendAccountBudget, spendIpBudget } from '../sign-in-limits.js';
import { AnyPassword, Ok, User } from './account-schemas.js';

// TOTP (an authenticator app) with one-time backup codes.

export const PasswordBody = z
  .strictObject({ password: AnyPassword })
  .meta({ id: 'TwoFactorPasswordRequest' });

export const EnableTwoFactorResponse = z
  .object({
    totpURI: z.string().describe('otpauth:// URI for an authenticator app (show it as a QR code)'),
    backupCodes: z
      .array(z.string())
      .describe('One-time codes for when the app is lost; shown once'),
  })
  .meta({ id: 'EnableTwoFactorResponse' });

export const enableTwoFactor: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/two-factor/enable',
    operationId: 'enableTwoFactor',
    summary: 'Start enabling TOTP',
    description:
      'Answers the secret (as an otpauth:// URI) and backup codes. TOTP is on once a code from the app is confirmed with POST /v1/auth/two-factor/verify-totp.',
    auth: 'session',
    body: PasswordBody,
    responses: {
      200: { description: 'The secret and backup codes', schema: EnableTwoFactorResponse },
      400: { description: 'INVALID_REQUEST' },
      401: { description: 'NOT_SIGNED_IN, INVALID_CREDENTIALS' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED (failed password checks of this account)' },
      409: { description: 'CONFLICT (TOTP is on already)' },
    },
  },
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, PasswordBody);
    const user = await requireUser(c, p);
    await checkAccountBudget(p, user.email);
    const answer = await callAuth(c, p, '/two-factor/enable', { method: 'POST', body });
    const ok = answer.status === 200 && typeof answer.body?.totpURI === 'string';
    const refusal = ok ? undefined : refusalOf(answer);
    if (refusal?.code === 'INVALID_CREDENTIALS') await spendAccountBudget(p, user.email);
    await auditAccount(c, p, {
      action: 'account.two_factor_enable_started',
      actor: `user:${user.id}`,
      target: user.id,
      outcome: refusal?.code ?? 'ok',
    });
    if (refusal) throw refusal;
    passCookies(c, answer);
    return c.json(
      {
        totpURI: String(answer.body?.totpURI),
        backupCodes: (answer.body?.backupCodes as string[] | undefined) ?? [],
      },
      200,
      { 'Cache-Control': 'no-store' },
    );
  },
};

export const disableTwoFactor: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/two-factor/disable',
    operationId: 'disableTwoFactor',
    summary: 'Turn TOTP off',
    auth: 'session',
    body: PasswordBody,
    responses: {
      200: { description: 'Off', schema: Ok },
      400: { description: 'INVALID_REQUEST' },
      401: { description: 'NOT_SIGNED_IN, INVALID_CREDENTIALS' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED (failed password checks of this account)' },
    },
  },
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, PasswordBody);
    const user = await requireUser(c, p);
    await checkAccountBudget(p, user.email);
    const answer = await callAuth(c, p, '/two-factor/disable', { method: 'POST', body });
    const refusal = answer.status === 200 ? undefined : refusalOf(answer);
    if (refusal?.code === 'INVALID_CREDENTIALS') await spendAccountBudget(p, user.email);
    await auditAccount(c, p, {
      action: 'account.two_factor_disabled',
      actor: `user:${user.id}`,
      target: user.id,
      outcome: refusal?.code ?? 'ok',
    });
    if (refusal) throw refusal;
    passCookies(c, answer);
    return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
  },
};

export const VerifyTotpBody = z
  .strictObject({
    code: z.string().regex(/^\d{6}$/, 'must be the 6 digits the app shows'),
    trustDevice: z
      .boolean()
      .optional()
      .describe('Skip the second factor on this browser for 30 days'),
  })
  .meta({ id: 'VerifyTotpRequest' });

export const VerifyBackupCodeBody = z
  .strictObject({
    code: z.string().min(1).max(64),
    trustDevice: z.boolean().optional(),
  })
  .meta({ id: 'VerifyBackupCodeRequest' });

export const SignedInAnswer = z.object({ user: User }).meta({ id: 'SignedInResponse' });

/**
 * A second-factor code, either as the second step of a sign-in (the short-lived cookie
 * that sign-in set) or, signed in, to confirm enabling TOTP.
 */
async function verifyCode(
  c: Context<AppEnv>,
  p: Platform,
  kind: 'totp' | 'backup-code',
  body: { code: string; trustDevice?: boolean },
): Promise<Response> {
  await spendIpBudget(c, p);
  const signedIn = await currentUser(c, p);
  const answer = await callAuth(c, p, `/two-factor/verify-${kind}`, { method: 'POST', body });
  const ok = answer.status === 200 && answer.body?.user !== undefined;
  const refusal = ok ? undefined : refusalOf(answer);
  const user = ok ? publicUser(answer.body?.user as Record<string, unknown>) : null;
  const id = user?.id ?? (signedIn ? String(signedIn.id) : null);
  await auditAccount(c, p, {
    action: signedIn ? 'account.two_factor_verified' : 'account.sign_in',
    actor: id ? `user:${id}` : 'anonymous',
    target: id,
    outcome: refusal?.code ?? 'ok',
    data: { method: kind },
  });
  if (refusal || !user) throw refusal ?? refusalOf(answer);
  passCookies(c, answer);
  // A code was accepted: the second factor is on (the library's user may predate it).
  return c.json({ user: { ...user, twoFactorEnabled: true } }, 200, {
    'Cache-Control': 'no-store',
  });
}

export const verifyTotp: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/two-factor/verify-totp',
    operationId: 'verifyTotp',
    summary: 'Check a TOTP code: finish signing in, or confirm enabling TOTP',
    description:
      'After a sign-in answered twoFactorRequired: signs in (session cookie). Signed in after POST /v1/auth/two-factor/enable: turns TOTP on. Five wrong codes end a sign-in attempt.',
    body: VerifyTotpBody,
    responses: {
      200: { description: 'Signed in / TOTP on', schema: SignedInAnswer },
      400: { description: 'INVALID_REQUEST' },
      401: { description: 'INVALID_TWO_FACTOR_CODE (wrong, expired, or no sign-in pending)' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED' },
    },
  },
  access: 'public',
  async handle(c, p) {
    return verifyCode(c, p, 'totp', await readJson(c, VerifyTotpBody));
  },
};

export const verifyBackupCode: Route = {
  spec: {
    method: 'post',
    path: '/v1/auth/two-factor/verify-backup-code',
    operationId: 'verifyBackupCode',
    summary: 'Finish signing in with a one-time backup code',
    body: VerifyBackupCodeBody,
    responses: {
      200: { description: 'Signed in', schema: SignedInAnswer },
      400: { description: 'INVALID_REQUEST' },
      401: { description: 'INVALID_TWO_FACTOR_CODE' },
      403: { description: 'CSRF_REJECTED' },
      429: { description: 'RATE_LIMITED' },
    },
  },
  access: 'public',
  async handle(c, p) {
    return verifyCode(c, p, 'backup-code', await readJson(c, VerifyBackupCodeBody));
  },
};
