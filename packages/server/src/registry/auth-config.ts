import {
  type AuthorityDeps,
  type RegistryCaInfo,
  registryAuthority,
} from './registry-authority.js';

/** The path of the token endpoint on a Latchkey server. */
export const TOKEN_PATH = '/v1/registry/token';

/** What a registry's `auth: token:` section needs, and the certificate bundle it names. */
export interface RegistryAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  /** The registry the platform fronts, when configured. */
  registry: string | null;
  bundlePem: string;
  cas: RegistryCaInfo[];
}

export async function registryAuthConfig(
  deps: AuthorityDeps & { issuer?: string },
): Promise<RegistryAuthConfig> {
  const { config } = deps;
  const base = (
    deps.issuer ??
    config.issuer ??
    `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`
  ).replace(/\/$/, '');
  const bundle = await registryAuthority(deps).bundle();
  return {
    realm: base + TOKEN_PATH,
    service: config.registryService,
    issuer: config.registryIssuer,
    registry: config.registry ?? null,
    bundlePem: bundle.pem,
    cas: bundle.cas,
  };
}

const yamlString = (s: string) => JSON.stringify(s);

/**
 * The `auth:` section of a CNCF distribution config file.
 *
 * @example
 * renderAuthYaml(config, '/etc/docker/registry/latchkey-ca.pem')
 * // auth:
 * //   token:
 * //     realm: "https://latchkey.example.com/v1/registry/token"
 * //     …
 */
export function renderAuthYaml(c: RegistryAuthConfig, bundlePath: string): string {
  return [
    '# `latchkey model weights delete` removes manifests: the storage section needs',
    '# delete: {enabled: true} (storage.delete.enabled: true), or the registry answers 405.',
    'auth:',
    '  token:',
    `    realm: ${yamlString(c.realm)}`,
    `    service: ${yamlString(c.service)}`,
    `    issuer: ${yamlString(c.issuer)}`,
    `    rootcertbundle: ${yamlString(bundlePath)}`,
    '',
  ].join('\n');
}
