import { isStorableText } from '@latchkey/core';
import type { Context } from 'hono';
import { verifyRuntimeCredential } from '../realtime/runtime-credentials.js';
import type { RegistryPolicy } from '../registry/access-scope.js';
import { verifyRegistryCredential } from '../registry/registry-credentials.js';
import { refuseAuth } from './authenticate.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';
import { UNSTORABLE_MESSAGE } from './read-json.js';

/** Who is asking for a registry access token, and with what. */
export interface RegistryCaller {
  via: 'credential' | 'partner-key' | 'runtime';
  /** The credential id, the partner key id when the key itself was the password, or the runtime id. */
  actor: string;
  /** Null for an operator's runtime credential (it belongs to no org). */
  orgId: string | null;
  orgSlug: string | null;
  apiKeyId: string | null;
  /** Where and what it may do: push and pull under its org, or pull only for a runtime. */
  policy: RegistryPolicy;
  /** The user name sent in Basic auth, for the audit log (bounded). */
  account: string;
}

function basic(c: Context<AppEnv>): { user: string; password: string } {
  const header = c.req.header('authorization');
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m)
    throw new HttpError(
      'MISSING_API_KEY',
      'no registry credential: log in with `latchkey auth docker-login` (HTTP Basic, the credential as the password)',
      { 'WWW-Authenticate': 'Basic realm="Latchkey registry", charset="UTF-8"' },
    );
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0)
    throw new HttpError('INVALID_REQUEST', 'the Basic credentials must be user:password');
  if (!isStorableText(text))
    throw new HttpError('INVALID_REQUEST', `the Basic credentials: ${UNSTORABLE_MESSAGE}`);
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Authenticates a token request: HTTP Basic with a registry credential (`rc_…`),
 * the partner key (`rp_…`) or a runtime credential (`rt_…`, pull only) as the
 * password. Refusals are audited and count against the client IP's failed-auth limit,
 * as for keys.
 */
export async function authenticateRegistryCaller(
  c: Context<AppEnv>,
  p: Platform,
): Promise<RegistryCaller> {
  let failure: HttpError;
  let subject: { orgId?: string; keyId?: string } = {};
  let shown = 'anonymous';
  try {
    const { user, password } = basic(c);
    const account = user.slice(0, 64);
    if (password.startsWith('rp_') || password.startsWith('rk_')) {
      shown = `${password.slice(0, 3)}…${password.slice(-4)}`;
      const r = await p.keys.authenticate(password);
      if (r.ok && r.value.kind === 'partner') {
        p.keys.touch(r.value.id);
        const org = await p.db
          .selectFrom('orgs')
          .select(['id', 'slug'])
          .where('id', '=', r.value.orgId)
          .executeTakeFirstOrThrow();
        return {
          via: 'partner-key',
          actor: r.value.id,
          orgId: org.id,
          orgSlug: org.slug,
          apiKeyId: r.value.id,
          account,
          policy: { orgSlug: org.slug, actions: ['pull', 'push'] },
        };
      }
      if (r.ok) {
        subject = { orgId: r.value.orgId, keyId: r.value.id };
        throw new HttpError(
          'WRONG_KEY_KIND',
          'only partner keys (rp_) and their registry credentials can use the registry; this is an app key (rk_)',
        );
      }
      subject = r.subject ?? {};
      throw HttpError.from(r);
    }
    if (password.startsWith('rt_')) {
      // A runtime pulls the weights it serves: its org's (pull only), or, for an
      // operator's runtime (no org), any org's weights repositories.
      if (password.length > 8) shown = `rt_…${password.slice(-4)}`;
      const rt = await verifyRuntimeCredential(p.db, password);
      if (!rt.ok) throw HttpError.from(rt);
      const org = rt.value.org_id
        ? await p.db
            .selectFrom('orgs')
            .select(['id', 'slug'])
            .where('id', '=', rt.value.org_id)
            .executeTakeFirstOrThrow()
        : null;
      return {
        via: 'runtime',
        actor: rt.value.id,
        orgId: org?.id ?? null,
        orgSlug: org?.slug ?? null,
        apiKeyId: null,
        account,
        policy: { orgSlug: org?.slug ?? null, actions: ['pull'] },
      };
    }
    if (password.startsWith('rc_') && password.length > 8) shown = `rc_…${password.slice(-4)}`;
    const r = await verifyRegistryCredential(p, password);
    if (r.ok)
      return {
        via: 'credential',
        actor: r.value.credentialId,
        orgId: r.value.orgId,
        orgSlug: r.value.orgSlug,
        apiKeyId: r.value.apiKeyId,
        account,
        policy: { orgSlug: r.value.orgSlug, actions: ['pull', 'push'] },
      };
    subject = r.subject ?? {};
    throw HttpError.from(r);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    failure = error;
  }
  return refuseAuth(c, p, failure, { display: shown === 'anonymous' ? null : shown, ...subject });
}
