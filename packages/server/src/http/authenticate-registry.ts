import { isStorableText } from '@latchkey/core';
import type { Context } from 'hono';
import {
  type CredentialHolder,
  verifyRegistryCredential,
} from '../registry/registry-credentials.js';
import { refuseAuth } from './authenticate.js';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';
import { UNSTORABLE_MESSAGE } from './read-json.js';

/** Who is asking for a registry access token, and with what. */
export interface RegistryCaller extends Omit<CredentialHolder, 'credentialId' | 'expiresAt'> {
  via: 'credential' | 'partner-key';
  /** The credential id, or the partner key id when the key itself was the password. */
  actor: string;
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
 * Authenticates a token request: HTTP Basic with a registry credential (`rc_…`)
 * or the partner key (`rp_…`) as the password. Refusals are audited and count
 * against the client IP's failed-auth limit, as for keys.
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
      };
    subject = r.subject ?? {};
    throw HttpError.from(r);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    failure = error;
  }
  return refuseAuth(c, p, failure, { display: shown === 'anonymous' ? null : shown, ...subject });
}
