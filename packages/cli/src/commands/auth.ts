import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayKey, parseKey } from '@latchkey/core';
import type { Command } from 'commander';
import {
  fetchRegistryCredential,
  PARTNER_FIX,
  type RegistryCredential,
  serverUrl,
  whoami,
} from '../api-client.js';
import {
  type Credentials,
  credentialsPath,
  gitExposureWarning,
  hasCredentials,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from '../credentials-file.js';
import { deviceLogin } from '../device-login.js';
import {
  dockerCliLogin,
  dockerCliLogout,
  dockerConfigPath,
  dropHelperEntry,
  HELPER_BIN,
  onPath,
  removeEntry,
  writeAuthEntry,
  writeHelperEntry,
} from '../docker-config.js';
import { EXIT } from '../exit-codes.js';
import { CliError, printJson, until } from '../output.js';
import { withProgress } from '../progress.js';
import { promptHidden, readStdin } from '../prompt.js';
import { freshRegistryCredential } from '../registry-credential.js';
import { registerAuthStatus } from './auth-status.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8787';

function previousCredentials(): Credentials | undefined {
  if (!hasCredentials()) return undefined;
  try {
    return readCredentials();
  } catch {
    return undefined;
  }
}

/** The partner key: from stdin for scripts, else a hidden prompt on the terminal (--api-key-prompt). */
async function readKey(fromStdin: boolean): Promise<string> {
  let key: string;
  if (fromStdin) key = (await readStdin()).trim();
  else if (process.stdin.isTTY)
    key = (await promptHidden('Partner API key (rp_…, input hidden): ')).trim();
  else
    throw new CliError(
      'USAGE',
      'stdin is not a terminal, so there is nowhere to ask for the key',
      'Pipe the key in with --api-key-stdin, e.g. latchkey auth login --api-key-stdin < key.txt, or sign in through the browser: latchkey auth login.',
      EXIT.USAGE,
    );
  if (!key)
    throw new CliError('USAGE', 'no API key given', 'Paste your partner key (rp_…).', EXIT.USAGE);
  const parsed = parseKey(key);
  if (!parsed.ok)
    throw new CliError(
      'INVALID_API_KEY',
      `the API key is malformed: ${parsed.reason}`,
      PARTNER_FIX.INVALID_API_KEY,
      EXIT.KEY_REFUSED,
    );
  if (parsed.kind !== 'partner')
    throw new CliError(
      'WRONG_KEY_KIND',
      `${displayKey(key)} is an app key; latchkey auth needs a partner key`,
      PARTNER_FIX.WRONG_KEY_KIND,
      EXIT.KEY_REFUSED,
    );
  return key;
}

export function registerAuth(program: Command) {
  const auth = program
    .command('auth')
    .description('log in with a partner key (rp_…) and push to the container registry');

  auth
    .command('login')
    .description(
      'sign in through the browser (or with a partner key), fetch registry credentials (12 h) and store both in ~/.latchkey/credentials',
    )
    .option(
      '--server <url>',
      `the Latchkey server (default: LATCHKEY_SERVER, the last one used, or ${DEFAULT_SERVER})`,
    )
    .option('--api-key-stdin', 'log in with a partner key read from stdin (for scripts)')
    .option('--api-key-prompt', 'log in with a partner key typed at a hidden prompt')
    .option('--no-browser', 'print the sign-in link without opening a browser')
    .option('--json', 'print one JSON object, for scripts')
    .action(
      async (o: {
        server?: string;
        apiKeyStdin?: boolean;
        apiKeyPrompt?: boolean;
        browser: boolean;
        json?: boolean;
      }) => {
        const previous = previousCredentials();
        const server = serverUrl(
          o.server ?? (process.env.LATCHKEY_SERVER || previous?.server || DEFAULT_SERVER),
        );
        // Without a key, the browser sign-in: a new partner key named for this host.
        const apiKey =
          o.apiKeyStdin || o.apiKeyPrompt
            ? await readKey(o.apiKeyStdin === true)
            : (await deviceLogin(server, o)).apiKey;
        const who = await withProgress(
          `Checking the key with ${server}`,
          () => whoami(server, apiKey),
          o,
        );
        if (who.key.kind !== 'partner')
          throw new CliError(
            'WRONG_KEY_KIND',
            `${who.key.display} is an app key; latchkey auth needs a partner key`,
            PARTNER_FIX.WRONG_KEY_KIND,
            EXIT.KEY_REFUSED,
          );
        const warnings: string[] = [];
        let credential: RegistryCredential | undefined;
        try {
          credential = await withProgress(
            'Fetching registry credentials',
            () => fetchRegistryCredential(server, apiKey),
            o,
          );
        } catch (error) {
          if (!(error instanceof CliError) || error.code !== 'REGISTRY_NOT_CONFIGURED') throw error;
          warnings.push(`${error.message}; logged in without registry credentials`);
        }
        let docker = previous?.docker ?? null;
        if (docker && docker.registry !== credential?.registry) {
          // The Docker entry was for another registry: remove it rather than leave it orphaned.
          if (docker.method === 'docker-cli' && onPath('docker')) dockerCliLogout(docker.registry);
          else removeEntry(docker.config, docker.registry);
          docker = null;
        }
        if (docker?.method === 'config' && credential) {
          writeAuthEntry(
            docker.config,
            credential.registry,
            credential.username,
            credential.password,
          );
          docker = { ...docker, expiresAt: credential.expiresAt };
        }
        const path = writeCredentials({
          version: 1,
          server,
          apiKey,
          keyId: who.key.id,
          keyDisplay: who.key.display,
          orgId: who.org.id,
          orgSlug: who.org.slug,
          orgName: who.org.name,
          registry: credential?.registry ?? null,
          registryUsername: credential?.username ?? null,
          registryToken: credential?.password ?? null,
          registryTokenExpiresAt: credential?.expiresAt ?? null,
          docker,
        });
        const exposure = gitExposureWarning(path);
        if (exposure) process.stderr.write(exposure);
        if (o.json)
          return printJson({
            server,
            org: who.org,
            key: { id: who.key.id, display: who.key.display, expiresAt: who.key.expiresAt },
            registry: credential?.registry ?? null,
            registryTokenExpiresAt: credential?.expiresAt ?? null,
            credentialsFile: path,
            warnings: [...warnings, ...(exposure ? [exposure.split('\n')[0] as string] : [])],
          });
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(
          [
            `Logged in to ${who.org.name} (${who.org.slug}) on ${server} with partner key ${who.key.display}.`,
            credential
              ? `Registry ${credential.registry}: credential valid until ${until(credential.expiresAt)}; refreshed automatically.`
              : 'No registry credentials: this server fronts no registry.',
            `Credentials saved to ${path} (mode 0600).`,
            ...(credential
              ? ['Next: latchkey auth docker-login   (or --helper, so Docker never needs it again)']
              : []),
            '',
          ].join('\n'),
        );
      },
    );

  registerAuthStatus(auth);

  auth
    .command('docker-login')
    .description(
      "give Docker (and skopeo, podman…) the registry credential: an auth entry in Docker's config, or the credential helper with --helper",
    )
    .option(
      '--helper',
      `configure Docker to ask ${HELPER_BIN}, which refreshes the credential itself (nothing to redo after 12 h)`,
    )
    .option(
      '--no-docker-cli',
      'write the Docker config file directly even when a docker CLI is installed',
    )
    .option('--json', 'print one JSON object, for scripts')
    .action(async (o: { helper?: boolean; dockerCli: boolean; json?: boolean }) => {
      const c = await freshRegistryCredential(readCredentials(), o);
      const config = dockerConfigPath();
      let method: 'helper' | 'docker-cli' | 'config';
      const notes: string[] = [];
      if (o.helper) {
        writeHelperEntry(config, c.registry);
        method = 'helper';
        if (!onPath(HELPER_BIN)) {
          const binDir = resolve(dirname(fileURLToPath(import.meta.url)), '../bin');
          notes.push(
            `warning: ${HELPER_BIN} is not on PATH, so Docker cannot run it yet.\n  fix: install the CLI globally (npm install -g @latchkey/cli), or add ${binDir} to PATH.`,
          );
        }
      } else if (o.dockerCli && onPath('docker')) {
        dropHelperEntry(config, c.registry);
        const r = await withProgress(
          `docker login ${c.registry}`,
          async () => dockerCliLogin(c.registry, c.registryUsername, c.registryToken),
          o,
        );
        if (!r.ok)
          throw new CliError(
            'REGISTRY_UNAUTHORIZED',
            `docker login ${c.registry} failed: ${r.output.split('\n').slice(-1)[0] ?? ''}`,
            `Check that the registry ${c.registry} is up; or write Docker's config directly with --no-docker-cli.`,
          );
        method = 'docker-cli';
      } else {
        writeAuthEntry(config, c.registry, c.registryUsername, c.registryToken);
        method = 'config';
      }
      writeCredentials({
        ...c,
        docker: {
          config,
          registry: c.registry,
          method,
          expiresAt: method === 'helper' ? null : c.registryTokenExpiresAt,
        },
      });
      if (o.json)
        return printJson({
          registry: c.registry,
          username: c.registryUsername,
          method,
          dockerConfig: config,
          expiresAt: method === 'helper' ? null : c.registryTokenExpiresAt,
        });
      for (const n of notes) process.stderr.write(`${n}\n`);
      process.stdout.write(
        method === 'helper'
          ? `Docker now asks ${HELPER_BIN} for ${c.registry} (${config}); it refreshes the credential by itself.\n`
          : `Docker is logged in to ${c.registry} as ${c.registryUsername}${method === 'docker-cli' ? ' (docker login)' : ` (${config})`}; the credential is valid until ${until(c.registryTokenExpiresAt)}.\nRun this again after that, or use --helper.\n`,
      );
    });

  auth
    .command('logout')
    .description('remove the stored credentials and the Docker entry latchkey wrote')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (o: { json?: boolean }) => {
      const path = credentialsPath();
      if (!hasCredentials()) {
        if (o.json) return printJson({ loggedOut: false, credentialsFile: path });
        process.stdout.write(`Not logged in (no credentials file at ${path}).\n`);
        return;
      }
      const c = previousCredentials();
      const d = c?.docker;
      if (d) {
        if (d.method === 'docker-cli' && onPath('docker')) {
          if (!dockerCliLogout(d.registry)) removeEntry(d.config, d.registry);
        } else removeEntry(d.config, d.registry);
      }
      removeCredentials();
      if (o.json)
        return printJson({
          loggedOut: true,
          credentialsFile: path,
          dockerEntryRemoved: d?.registry ?? null,
        });
      process.stdout.write(
        `Logged out: removed ${path}${d ? ` and the Docker entry for ${d.registry}` : ''}.\n${c?.registryTokenExpiresAt ? `The registry credential itself stays valid until ${c.registryTokenExpiresAt} unless an org admin revokes the key with --cascade.\n` : ''}`,
      );
    });
}
