import { type ErrorCode, formatIssues } from '@latchkey/core';
import type { Context } from 'hono';
import { z } from 'zod';
import { authHeaders } from './account-session.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

// better-auth answers its own error bodies ({code, message}); at our edge each becomes
// the one envelope with a code from core. Unknown codes fall back by status.
const CODE_MAP: Record<string, ErrorCode> = {
  INVALID_EMAIL_OR_PASSWORD: 'INVALID_CREDENTIALS',
  INVALID_PASSWORD: 'INVALID_CREDENTIALS',
  CREDENTIAL_ACCOUNT_NOT_FOUND: 'INVALID_CREDENTIALS',
  USER_ALREADY_EXISTS: 'EMAIL_TAKEN',
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'EMAIL_TAKEN',
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  INVALID_TOKEN: 'INVALID_LINK',
  TOKEN_EXPIRED: 'INVALID_LINK',
  INVALID_CODE: 'INVALID_TWO_FACTOR_CODE',
  INVALID_BACKUP_CODE: 'INVALID_TWO_FACTOR_CODE',
  INVALID_TWO_FACTOR_COOKIE: 'INVALID_TWO_FACTOR_CODE',
  OTP_HAS_EXPIRED: 'INVALID_TWO_FACTOR_CODE',
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: 'RATE_LIMITED',
  ACCOUNT_TEMPORARILY_LOCKED: 'RATE_LIMITED',
  TOTP_ALREADY_ENABLED: 'CONFLICT',
  TWO_FACTOR_NOT_ENABLED: 'CONFLICT',
  TOTP_NOT_ENABLED: 'CONFLICT',
  OTP_NOT_ENABLED: 'CONFLICT',
  BACKUP_CODES_NOT_ENABLED: 'CONFLICT',
  PASSWORD_TOO_SHORT: 'INVALID_REQUEST',
  PASSWORD_TOO_LONG: 'INVALID_REQUEST',
  INVALID_EMAIL: 'INVALID_REQUEST',
  VALIDATION_ERROR: 'INVALID_REQUEST',
  FAILED_TO_GET_SESSION: 'NOT_SIGNED_IN',
  SESSION_EXPIRED: 'NOT_SIGNED_IN',
  SESSION_NOT_FRESH: 'NOT_SIGNED_IN',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'NOT_SIGNED_IN',
  403: 'INVALID_CREDENTIALS',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'INVALID_REQUEST',
  429: 'RATE_LIMITED',
};

// Messages we say ourselves rather than repeat the library's.
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_CREDENTIALS: 'email or password is wrong',
  EMAIL_TAKEN: 'an account with this email exists; sign in or reset its password',
  INVALID_LINK: 'the link is invalid, expired or already used',
  INVALID_TWO_FACTOR_CODE: 'the code is wrong or has expired',
};

export interface AuthAnswer {
  status: number;
  body: Record<string, unknown> | null;
  /** Set-Cookie lines to pass on to the client. */
  cookies: string[];
  /** A redirect's target (links opened in the browser). */
  location: string | null;
}

/** Thrown when the library refuses: carries the mapped envelope code. */
export function refusalOf(answer: AuthAnswer): HttpError {
  const raw = typeof answer.body?.code === 'string' ? answer.body.code : '';
  const code = CODE_MAP[raw] ?? BY_STATUS[answer.status] ?? 'INTERNAL_ERROR';
  const message =
    MESSAGES[code] ??
    (typeof answer.body?.message === 'string' ? answer.body.message.slice(0, 300) : code);
  return new HttpError(code, message);
}

/**
 * Calls one better-auth endpoint with the request's cookie, user agent and resolved
 * client address, and the body our edge already validated. The library's own CSRF
 * check is off (the edge's applies to every management route, curl included).
 */
export async function callAuth(
  c: Context<AppEnv>,
  p: Platform,
  path: string,
  init: { method: 'GET' | 'POST'; body?: unknown; query?: Record<string, string> },
): Promise<AuthAnswer> {
  const headers = authHeaders(c);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const url = new URL(`/v1/auth${path}`, p.issuer);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const response = await p.auth.handler(
    new Request(url, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    }),
  );
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    body = null;
  }
  return {
    status: response.status,
    body,
    cookies: response.headers.getSetCookie(),
    location: response.headers.get('location'),
  };
}

/** The answer's cookies onto our response. */
export function passCookies(c: Context<AppEnv>, answer: AuthAnswer): void {
  for (const cookie of answer.cookies) c.header('Set-Cookie', cookie, { append: true });
}

/** A user as the API shows it (no library internals). */
export function publicUser(u: Record<string, unknown>) {
  return {
    id: String(u.id),
    email: String(u.email),
    name: String(u.name ?? ''),
    emailVerified: u.emailVerified === true,
    twoFactorEnabled: u.twoFactorEnabled === true,
    instanceAdmin: u.instanceAdmin === true,
  };
}

/** An org-less audit row about an account, with the request's address, agent and id. */
export function auditAccount(
  c: Context<AppEnv>,
  p: Platform,
  row: {
    action: string;
    actor: string;
    target?: string | null;
    outcome: string;
    data?: Record<string, unknown>;
  },
): Promise<void> {
  return p.audit.write({
    orgId: null,
    ...row,
    ip: c.get('ip'),
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.get('requestId'),
  });
}

/** The signed-in user on the request, or null (no cookie, or one that is no session). */
export async function currentUser(
  c: Context<AppEnv>,
  p: Platform,
): Promise<Record<string, unknown> | null> {
  if (!c.req.header('cookie')) return null;
  const found = await p.auth.api.getSession({ headers: authHeaders(c) });
  return (found?.user as Record<string, unknown> | undefined) ?? null;
}

/** Whose session the answer's cookies carry (after a link signed someone in). */
export async function userOfCookies(
  p: Platform,
  answer: AuthAnswer,
): Promise<Record<string, unknown> | null> {
  const cookie = answer.cookies
    .map((line) => line.split(';')[0] ?? '')
    .filter((pair) => pair.includes('=') && !pair.endsWith('='))
    .join('; ');
  if (!cookie) return null;
  const found = await p.auth.api.getSession({ headers: new Headers({ cookie }) });
  return (found?.user as Record<string, unknown> | undefined) ?? null;
}

/** Query parameters checked like a body: strict, every value text PostgreSQL can store. */
export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success)
    throw new HttpError(
      'INVALID_REQUEST',
      formatIssues(parsed.error.issues, { max: 1, root: 'query' }) || 'query: invalid',
    );
  return parsed.data;
}

/**
 * Where a link sends the browser afterwards: a path on this server (never another
 * site: a link that redirects anywhere would be an open redirect).
 */
export const CallbackPath = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this server, starting with one /');
