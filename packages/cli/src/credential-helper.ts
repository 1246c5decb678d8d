import { type Credentials, hasCredentials, readCredentials } from './credentials-file.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';
import { readStdin } from './prompt.js';
import { freshRegistryCredential } from './registry-credential.js';

/** What Docker's client libraries take as "no credentials here, carry on". */
const NOT_FOUND = 'credentials not found in native keychain';

/** `https://host:port/v1/` → `host:port`. */
export const registryHost = (serverUrl: string) =>
  serverUrl
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();

const ours = (c: Credentials, server: string) =>
  c.registry !== null && registryHost(server) === c.registry.toLowerCase();

/**
 * `docker-credential-latchkey get|store|erase|list`: the Docker credential-helper
 * protocol. `get` answers with a registry credential, refreshed with the partner
 * key when it has expired or is about to, so nobody logs in again after 12 hours.
 * Errors go to stdout (the protocol's channel) with a non-zero exit.
 */
export async function helperMain(argv: string[]): Promise<number> {
  const op = argv[0];
  const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  try {
    switch (op) {
      case 'get': {
        const server = (await readStdin()).trim();
        const c = readCredentials();
        if (!ours(c, server)) {
          out(NOT_FOUND);
          return EXIT.FAILURE;
        }
        const fresh = await freshRegistryCredential(c, { quiet: true });
        out(
          JSON.stringify({
            ServerURL: server,
            Username: fresh.registryUsername,
            Secret: fresh.registryToken,
          }),
        );
        return EXIT.OK;
      }
      case 'store': {
        // Latchkey mints its own credentials; what `docker login` hands over is not kept.
        const input = JSON.parse((await readStdin()) || '{}') as { ServerURL?: string };
        const c = hasCredentials() ? readCredentials() : undefined;
        if (c && ours(c, input.ServerURL ?? '')) return EXIT.OK;
        out(
          `latchkey keeps credentials only for its own registry${c?.registry ? ` (${c.registry})` : ''}`,
        );
        return EXIT.FAILURE;
      }
      case 'erase': {
        const server = (await readStdin()).trim();
        const c = hasCredentials() ? readCredentials() : undefined;
        if (c && ours(c, server)) return EXIT.OK;
        out(NOT_FOUND);
        return EXIT.FAILURE;
      }
      case 'list': {
        const c = hasCredentials() ? readCredentials() : undefined;
        out(
          JSON.stringify(
            c?.registry && c.registryUsername ? { [c.registry]: c.registryUsername } : {},
          ),
        );
        return EXIT.OK;
      }
      case 'version':
        out('docker-credential-latchkey 0.1.0');
        return EXIT.OK;
      default:
        out('usage: docker-credential-latchkey get|store|erase|list');
        return EXIT.USAGE;
    }
  } catch (error) {
    if (error instanceof CliError) {
      out(`error ${error.code}: ${error.message}${error.fix ? ` — fix: ${error.fix}` : ''}`);
      return error.exitCode;
    }
    out(`error INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.FAILURE;
  }
}
