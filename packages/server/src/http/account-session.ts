import { type IdPrefix, isId } from '@latchkey/core';
import type { Context } from 'hono';
import { CLIENT_IP_HEADER } from '../accounts/auth.js';
import { roleIn } from '../accounts/memberships.js';
import { hasRole, type Role, roleRequiredCode } from '../accounts/roles.js';
import { findOrg, type Org } from '../services/orgs.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';
import { requestContext } from './request-context.js';

/** The signed-in person, as management routes see them. */
export interface AccountUser {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  instanceAdmin: boolean;
  twoFactorEnabled: boolean;
}

export interface OrgAccess {
  user: AccountUser;
  org: Org;
  /** The caller's role in the org; an instance admin who is not a member acts as owner. */
  role: Role;
  /** `user:<id>`, for audit rows. */
  actor: string;
}

/**
 * The headers better-auth sees: the cookie, the user agent, and the client address the
 * edge resolved (LATCHKEY_TRUST_PROXY), never one a client wrote itself.
 */
export function authHeaders(c: Context<AppEnv>): Headers {
  const headers = new Headers();
  for (const name of ['cookie', 'user-agent']) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  headers.set(CLIENT_IP_HEADER, c.get('ip'));
  return headers;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: a state-changing request that a browser sends from another site is refused.
 * Browsers send `Origin` on every cross-origin POST/PATCH/DELETE (and `Sec-Fetch-Site`);
 * it must be this server's own origin (its issuer, or the URL the request came in on).
 * A request with neither header is not from a browser (curl, scripts): no ambient
 * cookie rides on it, so there is nothing to forge. SameSite=Lax is the second wall.
 */
export function checkCsrf(c: Context<AppEnv>, p: Platform): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  const own = new Set([new URL(p.issuer).origin, new URL(c.req.url).origin]);
  if (origin !== undefined) {
    if (own.has(origin)) return;
    throw new HttpError(
      'CSRF_REJECTED',
      `requests from origin ${origin.slice(0, 100)} may not change anything here; only ${[...own][0]} may`,
    );
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new HttpError(
      'CSRF_REJECTED',
      `a ${site.slice(0, 20)} request may not change anything here`,
    );
}

/** The account session on the request, or 401 NOT_SIGNED_IN. Keys and tokens never count. */
export async function requireUser(c: Context<AppEnv>, p: Platform): Promise<AccountUser> {
  const found = c.req.header('cookie')
    ? await p.auth.api.getSession({ headers: authHeaders(c), query: { disableRefresh: false } })
    : null;
  if (!found) {
    const bearer = c.req.header('authorization') ?? c.req.header('x-api-key');
    throw new HttpError(
      'NOT_SIGNED_IN',
      bearer
        ? 'management routes take an account session (the cookie from POST /v1/auth/sign-in/email); API keys and session tokens never authorize them'
        : 'sign in first: POST /v1/auth/sign-in/email sets the session cookie',
    );
  }
  const u = found.user as typeof found.user & { instanceAdmin?: boolean | null };
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.emailVerified,
    instanceAdmin: u.instanceAdmin === true,
    twoFactorEnabled: u.twoFactorEnabled === true,
  };
}

/** The signed-in user must be an instance admin (403 INSTANCE_ADMIN_REQUIRED). */
export async function requireInstanceAdmin(c: Context<AppEnv>, p: Platform): Promise<AccountUser> {
  const user = await requireUser(c, p);
  if (!user.instanceAdmin)
    throw new HttpError('INSTANCE_ADMIN_REQUIRED', 'this needs an instance admin');
  return user;
}

/**
 * The `{org}` of the path (id or slug), which the signed-in user must belong to with at
 * least `needed`. Not a member: 404, as if the org did not exist (no probing for names).
 */
export function requireOrg(c: Context<AppEnv>, p: Platform, needed: Role): Promise<OrgAccess> {
  return requireOrgRef(c, p, c.req.param('org') ?? '', needed);
}

/** As `requireOrg`, for an org named elsewhere than the path (a body's `org`). */
export async function requireOrgRef(
  c: Context<AppEnv>,
  p: Platform,
  ref: string,
  needed: Role,
): Promise<OrgAccess> {
  const user = await requireUser(c, p);
  const notFound = () => new HttpError('NOT_FOUND', `org "${ref.slice(0, 64)}" not found`);
  const org = await findOrg(p.db, ref);
  if (!org.ok) throw notFound();
  const role = (await roleIn(p.db, org.value.id, user.id)) ?? (user.instanceAdmin ? 'owner' : null);
  if (!role) throw notFound();
  if (needed !== 'viewer' && !hasRole(role, needed))
    throw new HttpError(
      roleRequiredCode[needed],
      `this needs the ${needed} role in org "${org.value.slug}"; yours is ${role}`,
    );
  return { user, org: org.value, role, actor: `user:${user.id}` };
}

export { requestContext };

/**
 * A path parameter that must be an id of `prefix` (`usr_…`, `inv_…`): anything else names
 * nothing, and answers 404 before any query.
 */
export function pathId(c: Context<AppEnv>, name: string, prefix: IdPrefix, what: string): string {
  const value: string = c.req.param(name) ?? '';
  if (!isId(prefix, value))
    throw new HttpError(
      'NOT_FOUND',
      `no ${what} "${String(value).slice(0, 64)}" (ids look like ${prefix}_…)`,
    );
  return value;
}

/** The `{org}` access as the accounts services take it: who acts, their role, the request. */
export const actingOf = (c: Context<AppEnv>, access: OrgAccess) => ({
  userId: access.user.id,
  role: access.role,
  ctx: requestContext(c),
});
