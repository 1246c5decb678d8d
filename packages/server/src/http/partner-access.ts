import type { Context } from 'hono';
import { type Role, roleRequiredCode } from '../accounts/roles.js';
import { findOrg, type Org } from '../services/orgs.js';
import { requireOrg } from './account-session.js';
import { authenticateKey } from './authenticate.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

/** Who acts on a partner org's models, weights and runtimes. */
export interface PartnerAccess {
  org: Org;
  /** `key:<id>` for a partner key, `user:<id>` for a signed-in member: for audit rows. */
  actor: string;
  via: 'partner-key' | 'session';
}

/**
 * The `{org}` of a partner route, reached two ways: with the org's partner key
 * (`Authorization: Bearer rp_…`, what the CLI sends; it acts as a developer would) or
 * with an account session whose role in the org is at least `needed` (the dashboard).
 * Another org's key, an app key, or an org that is not a partner org: 404 / 403 as the
 * management routes answer, so nobody learns which other orgs exist.
 */
export async function requirePartnerOrg(
  c: Context<AppEnv>,
  p: Platform,
  needed: Role,
): Promise<PartnerAccess> {
  const ref = c.req.param('org') ?? '';
  const notFound = () => new HttpError('NOT_FOUND', `org "${ref.slice(0, 64)}" not found`);
  const sendsKey =
    !c.req.header('cookie') &&
    (c.req.header('authorization') !== undefined || c.req.header('x-api-key') !== undefined);
  if (sendsKey) {
    const key = await authenticateKey(c, p);
    if (key.kind !== 'partner')
      throw new HttpError(
        'WRONG_KEY_KIND',
        'model management takes a partner key (rp_) or a signed-in member; this is an app key (rk_)',
      );
    const org = await findOrg(p.db, ref);
    if (!org.ok || org.value.id !== key.orgId) throw notFound();
    if (needed === 'admin' || needed === 'owner')
      throw new HttpError(
        roleRequiredCode[needed],
        `this needs a signed-in ${needed} of org "${org.value.slug}"; a partner key acts as a developer`,
      );
    return { org: org.value, actor: `key:${key.id}`, via: 'partner-key' };
  }
  const { org, actor } = await requireOrg(c, p, needed);
  if (!org.partner)
    throw new HttpError(
      'NOT_FOUND',
      `org "${org.slug}" is not a partner org: an instance admin marks partner orgs`,
    );
  return { org, actor, via: 'session' };
}
