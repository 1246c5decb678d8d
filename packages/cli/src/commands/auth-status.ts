import type { Command } from 'commander';
import { probeRegistryAccess, whoami } from '../api-client.js';
import { credentialsPath, readCredentials } from '../credentials-file.js';
import {
  dockerConfigPath,
  HELPER_BIN,
  HELPER_NAME,
  helperOf,
  onPath,
  readAuthEntry,
} from '../docker-config.js';
import { CliError, ExitWith, printJson, until } from '../output.js';
import { withProgress } from '../progress.js';
import { credentialState } from '../registry-credential.js';

/** `latchkey auth status`: who you are, and whether key, server, registry and Docker setup work. */
export function registerAuthStatus(auth: Command) {
  auth
    .command('status')
    .description('who you are logged in as, and whether the key, server and Docker setup work')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (o: { json?: boolean }) => {
      const c = readCredentials();
      const path = credentialsPath();
      let problem: CliError | undefined;
      let reachable = true;
      let keyValid: boolean | null = null;
      try {
        await withProgress(`Checking ${c.server}`, () => whoami(c.server, c.apiKey), o);
        keyValid = true;
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        problem = error;
        if (error.code === 'SERVER_UNREACHABLE') reachable = false;
        else keyValid = false;
      }
      const state = credentialState(c);
      let docker: { config: string; method: string; ready: boolean | null; detail: string } | null =
        null;
      if (c.registry) {
        const config = c.docker?.config ?? dockerConfigPath();
        if (helperOf(config, c.registry) === HELPER_NAME) {
          const found = onPath(HELPER_BIN);
          docker = {
            config,
            method: 'helper',
            ready: found !== undefined,
            detail: found
              ? `credential helper ${HELPER_BIN} (refreshes by itself)`
              : `credential helper configured, but ${HELPER_BIN} is not on PATH`,
          };
        } else {
          const entry = readAuthEntry(config, c.registry);
          if (!entry)
            docker = { config, method: 'none', ready: false, detail: `no entry for ${c.registry}` };
          else if (!reachable)
            docker = {
              config,
              method: 'auth',
              ready: null,
              detail: 'auth entry (not checked: server unreachable)',
            };
          else {
            const probe = await probeRegistryAccess(
              c.server,
              entry.username,
              entry.password,
              `${c.orgSlug}/status-check`,
            );
            const ready = probe.ok && probe.actions.includes('push');
            docker = {
              config,
              method: 'auth',
              ready,
              detail: ready
                ? `auth entry, push allowed${c.docker?.expiresAt ? ` until ${until(c.docker.expiresAt)}` : ''}`
                : `auth entry refused: ${probe.ok ? 'no push access' : probe.error.message}`,
            };
          }
        }
        if (!problem && docker && docker.ready === false)
          problem = new CliError(
            'REGISTRY_UNAUTHORIZED',
            `registry push unauthorized: Docker's config has no working credential for ${c.registry} (${docker.detail})`,
            'Run latchkey auth docker-login (add --helper so it never expires).',
          );
      }
      const status = {
        loggedIn: true,
        credentialsFile: path,
        server: { url: c.server, reachable },
        org: { id: c.orgId, slug: c.orgSlug, name: c.orgName },
        key: { id: c.keyId, display: c.keyDisplay, valid: keyValid },
        registry: c.registry
          ? { host: c.registry, credentialExpiresAt: c.registryTokenExpiresAt, credential: state }
          : null,
        docker,
        error: problem ? { code: problem.code, message: problem.message, fix: problem.fix } : null,
      };
      if (o.json) {
        printJson(status);
        if (problem) throw new ExitWith(problem.exitCode);
        return;
      }
      const credentialLine =
        !c.registry || !c.registryTokenExpiresAt
          ? 'none'
          : state === 'expired'
            ? `expired — refreshed on next use (was valid until ${c.registryTokenExpiresAt})`
            : state === 'expiring'
              ? `expires ${until(c.registryTokenExpiresAt)} — refreshed on next use`
              : `valid until ${until(c.registryTokenExpiresAt)}`;
      process.stdout.write(
        [
          `Logged in to ${c.orgName} (${c.orgSlug}, ${c.orgId}) with partner key ${c.keyDisplay}`,
          `  server:      ${c.server} — ${!reachable ? 'unreachable' : keyValid ? 'reachable, key valid' : `reachable, key refused (${problem?.code})`}`,
          `  registry:    ${c.registry ?? 'none (the server fronts no registry)'}`,
          `  credential:  ${credentialLine}`,
          ...(docker ? [`  docker:      ${docker.detail} in ${docker.config}`] : []),
          `  credentials: ${path}`,
          '',
        ].join('\n'),
      );
      if (problem) throw problem;
    });
}
