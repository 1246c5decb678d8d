import { newId } from '@latchkey/core';
import { fail, ok, type Result } from '../services/result.js';
import type { Access } from './access-scope.js';
import { signAccessToken } from './access-token.js';
import {
  ACCESS_TOKEN_SECONDS,
  type AuthorityDeps,
  registryAuthority,
} from './registry-authority.js';

/** The manifest types a registry may answer a tag with: OCI and Docker, images and indexes. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const TIMEOUT_MS = 10_000;

/**
 * The registry's base URL: plain HTTP on loopback (as Docker treats `localhost` and
 * `127.0.0.0/8`, where test and single-machine registries listen), HTTPS elsewhere.
 */
export function registryBaseUrl(host: string): string {
  const bare = host.replace(/:\d+$/, '');
  const loopback =
    bare === 'localhost' || bare.startsWith('127.') || bare === '[::1]' || bare === '::1';
  return `${loopback ? 'http' : 'https'}://${host}`;
}

/** A short-lived access token the server signs for itself (`sub: latchkey-server`). */
export async function serverRegistryToken(deps: AuthorityDeps, access: Access[]): Promise<string> {
  const now = Math.floor(deps.clock.now() / 1000);
  return signAccessToken(
    {
      iss: deps.config.registryIssuer,
      aud: deps.config.registryService,
      sub: 'latchkey-server',
      exp: now + ACCESS_TOKEN_SECONDS,
      nbf: now - 5,
      iat: now,
      jti: newId('tok', deps.clock.now()),
      access,
    },
    await registryAuthority(deps).signer(),
  );
}

/**
 * The manifest digest `repository:reference` resolves to (HEAD, `Docker-Content-Digest`),
 * asked with a pull token the server mints for that one repository.
 * IMAGE_NOT_FOUND when the registry has no such manifest; REGISTRY_UNAVAILABLE when it
 * cannot be reached or answers otherwise; REGISTRY_NOT_CONFIGURED without a registry.
 */
export async function manifestDigest(
  deps: AuthorityDeps,
  repository: string,
  reference: string,
): Promise<Result<string>> {
  const host = deps.config.registry;
  if (!host) return fail('REGISTRY_NOT_CONFIGURED', 'this platform fronts no container registry');
  const token = await serverRegistryToken(deps, [
    { type: 'repository', name: repository, actions: ['pull'] },
  ]);
  let res: Response;
  try {
    res = await fetch(`${registryBaseUrl(host)}/v2/${repository}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return fail(
      'REGISTRY_UNAVAILABLE',
      `the registry at ${host} cannot be reached (${(error as Error).name === 'TimeoutError' ? 'no answer in 10 s' : 'connection failed'})`,
    );
  }
  if (res.status === 404)
    return fail('IMAGE_NOT_FOUND', `${host}/${repository}:${reference} is not in the registry`);
  const digest = res.headers.get('docker-content-digest');
  if (res.status !== 200 || !digest || !/^sha256:[a-f0-9]{64}$/.test(digest))
    return fail(
      'REGISTRY_UNAVAILABLE',
      `the registry at ${host} answered HTTP ${res.status} for ${repository}:${reference}`,
    );
  return ok(digest);
}
