import { fetchRegistryCredential } from './api-client.js';
import { type Credentials, writeCredentials } from './credentials-file.js';
import { writeAuthEntry } from './docker-config.js';
import { withProgress } from './progress.js';

/** A credential this close to its expiry is replaced before use. */
export const REFRESH_WINDOW_MS = 10 * 60_000;

export type CredentialState = 'none' | 'valid' | 'expiring' | 'expired';

export function credentialState(c: Credentials, now = Date.now()): CredentialState {
  if (!c.registryToken || !c.registryTokenExpiresAt) return 'none';
  const left = new Date(c.registryTokenExpiresAt).getTime() - now;
  if (!(left > 0)) return 'expired';
  return left <= REFRESH_WINDOW_MS ? 'expiring' : 'valid';
}

/** Fetches a new registry credential with the partner key and stores it. */
export async function refreshRegistryCredential(
  c: Credentials,
  options: { json?: boolean; quiet?: boolean } = {},
): Promise<Credentials> {
  const fresh = await withProgress(
    'Fetching registry credentials',
    () => fetchRegistryCredential(c.server, c.apiKey),
    { json: options.json === true || options.quiet === true },
  );
  const next: Credentials = {
    ...c,
    registry: fresh.registry,
    registryUsername: fresh.username,
    registryToken: fresh.password,
    registryTokenExpiresAt: fresh.expiresAt,
  };
  // A Docker config entry written by `auth docker-login` carries the old secret; keep it current.
  if (next.docker?.method === 'config' && next.docker.registry === fresh.registry) {
    writeAuthEntry(next.docker.config, fresh.registry, fresh.username, fresh.password);
    next.docker = { ...next.docker, expiresAt: fresh.expiresAt };
  }
  writeCredentials(next);
  return next;
}

/**
 * The stored credential, refreshed first when it is missing, expired, or expires
 * within 10 minutes: nobody logs in again after 12 hours.
 */
export async function freshRegistryCredential(
  c: Credentials,
  options: { json?: boolean; quiet?: boolean; now?: number } = {},
): Promise<
  Credentials & {
    registry: string;
    registryUsername: string;
    registryToken: string;
    registryTokenExpiresAt: string;
  }
> {
  const state = credentialState(c, options.now);
  const current = state === 'valid' ? c : await refreshRegistryCredential(c, options);
  return current as Credentials & {
    registry: string;
    registryUsername: string;
    registryToken: string;
    registryTokenExpiresAt: string;
  };
}
