import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { type IdPrefix, MAX_PASSWORD, MIN_PASSWORD, newId } from '@latchkey/core';
import type { Logger } from '@latchkey/core/node';
import { betterAuth } from 'better-auth';
import { magicLink, twoFactor } from 'better-auth/plugins';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Mailer } from './mailer.js';

/** The header through which the HTTP edge hands better-auth the client address it resolved. */
export const CLIENT_IP_HEADER = 'x-latchkey-client-ip';

// Core holds the rule, so the dashboard's inputs ask for what the server accepts.
export { MAX_PASSWORD, MIN_PASSWORD };

/** Account sessions last a week and are renewed once a day while used. */
const SESSION_SECONDS = 7 * 24 * 3600;
/** One-time sign-in links (bootstrap, `admin user create`) stay usable this long. */
export const SIGN_IN_LINK_SECONDS = 24 * 3600;

const idPrefix: Record<string, IdPrefix> = {
  user: 'usr',
  session: 'aus',
  account: 'acc',
  verification: 'vrf',
  twoFactor: 'tfa',
};

export interface AuthDeps {
  db: Kysely<Database>;
  /** The server's URL: links in mail point under it; `https:` turns on `__Host-` cookies. */
  issuer: string;
  /** LATCHKEY_SECRET (or the data dir's own); the accounts key is derived from it. */
  secret: string;
  mailer: Mailer;
  log: Logger;
}

/**
 * Inside `capturedLinks.run(store, …)`, a password-reset or sign-in link the library
 * makes is put in `store.url` instead of mailed (`latchkey admin user create` and the
 * bootstrap print them).
 */
export const capturedLinks = new AsyncLocalStorage<{ url?: string }>();

/** Where the dashboard takes the token of each kind of mailed link. */
export const linkPaths = {
  resetPassword: '/reset-password',
  verifyEmail: '/v1/auth/verify-email',
};

/**
 * better-auth, on our Kysely instance and tables (accounts/schema.ts): email and
 * password (scrypt, by the library), sessions in an HttpOnly SameSite=Lax cookie
 * (`__Host-` and Secure under HTTPS), TOTP with backup codes, one-time sign-in links.
 * The library's own rate limiter is off: the HTTP edge limits per IP and per account
 * on the shared limiter (Redis across processes).
 */
export function createAuth(deps: AuthDeps) {
  const secure = deps.issuer.startsWith('https://');
  const mail = (to: string, subject: string, text: string) =>
    void deps.mailer.send({ to, subject, text });
  return betterAuth({
    appName: 'Latchkey',
    baseURL: deps.issuer,
    basePath: '/v1/auth',
    secret: createHmac('sha256', deps.secret).update('latchkey accounts v1').digest('base64url'),
    database: { db: deps.db as unknown as Kysely<never>, type: 'postgres' },
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    trustedOrigins: [new URL(deps.issuer).origin],
    logger: {
      log: (level, message) => {
        // "User not found" and friends are expected refusals; the edge audits them.
        if (level === 'error') deps.log.error(`accounts: ${message}`);
        else deps.log.debug(`accounts: ${message}`);
      },
    },
    user: {
      modelName: 'auth_users',
      additionalFields: {
        instanceAdmin: { type: 'boolean', defaultValue: false, input: false, required: false },
      },
    },
    session: {
      modelName: 'auth_sessions',
      expiresIn: SESSION_SECONDS,
      updateAge: 24 * 3600,
    },
    account: { modelName: 'auth_accounts' },
    // Reset, verification and sign-in-link tokens are stored as hashes: a copy of the
    // database does not hand out working links.
    verification: { modelName: 'auth_verifications', storeIdentifier: 'hashed' },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD,
      maxPasswordLength: MAX_PASSWORD,
      // With real mail, an address must be proven before it signs in.
      requireEmailVerification: deps.mailer.delivers,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 3600,
      sendResetPassword: async ({ user, token }) => {
        const capture = capturedLinks.getStore();
        if (capture) {
          capture.url = `${deps.issuer}${linkPaths.resetPassword}?token=${token}`;
          return;
        }
        mail(
          user.email,
          'Reset your Latchkey password',
          `Someone asked to reset the password of your Latchkey account.\nOpen this link within an hour to choose a new one:\n\n${deps.issuer}${linkPaths.resetPassword}?token=${token}\n\nIf it was not you, ignore this mail; your password is unchanged.`,
        );
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      sendOnSignIn: deps.mailer.delivers,
      autoSignInAfterVerification: true,
      expiresIn: 24 * 3600,
      sendVerificationEmail: async ({ user, url }) =>
        mail(
          user.email,
          'Verify your email for Latchkey',
          `Open this link to verify ${user.email}:\n\n${url}\n\nIt stays valid for 24 hours.`,
        ),
    },
    advanced: {
      cookiePrefix: secure ? '__Host-latchkey' : 'latchkey',
      useSecureCookies: false,
      // The HTTP edge checks every management request's origin (http/account-session.ts).
      disableCSRFCheck: true,
      defaultCookieAttributes: { secure, sameSite: 'lax', httpOnly: true, path: '/' },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      database: {
        generateId: ({ model }) => newId(idPrefix[model] ?? 'vrf'),
      },
    },
    plugins: [
      twoFactor({
        issuer: 'Latchkey',
        schema: { twoFactor: { modelName: 'auth_two_factors' } },
      }),
      magicLink({
        disableSignUp: true,
        storeToken: 'hashed',
        expiresIn: SIGN_IN_LINK_SECONDS,
        sendMagicLink: async ({ email, url }) => {
          const capture = capturedLinks.getStore();
          if (capture) capture.url = url;
          else mail(email, 'Sign in to Latchkey', `Open this link to sign in:\n\n${url}`);
        },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
