import { readFileSync } from 'node:fs';
import { isErrorCode } from '@latchkey/core';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { addNetworkOptions, networkFlags } from '../network-flags.js';
import { CliError } from '../output.js';

const readStdin = () => readFileSync(0, 'utf8').trim();

/** `latchkey runtime --server URL`: a model host in its own process. */
export function registerRuntime(program: Command) {
  addNetworkOptions(program.command('runtime'))
    .description(
      'host models in this process for a Latchkey server: it registers with a runtime credential (rt_…) and verifies every session token itself',
    )
    .requiredOption('--server <url>', 'the Latchkey server (coordinator) to register with')
    .option('--host <h>', 'address to listen on for the coordinator', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option(
      '--advertise-url <url>',
      'the URL the coordinator reaches this runtime at (default: the listening URL)',
    )
    .option('--sessions <n>', 'concurrent realtime sessions to take')
    .option('--jobs <n>', 'concurrent batch jobs to run')
    .option('--credential-stdin', 'read the rt_ credential from stdin (else LATCHKEY_RUNTIME_KEY)')
    .action(
      async (o: {
        server: string;
        host: string;
        port: string;
        advertiseUrl?: string;
        sessions?: string;
        jobs?: string;
        iceHost?: string;
        iceAnnounce?: string;
        rtcPorts?: string;
        credentialStdin?: boolean;
      }) => {
        const credential = o.credentialStdin ? readStdin() : process.env.LATCHKEY_RUNTIME_KEY;
        if (!credential)
          throw new CliError(
            'RUNTIME_CREDENTIAL_INVALID',
            'no runtime credential',
            'Create one with `latchkey admin runtime create --name NAME`, then set LATCHKEY_RUNTIME_KEY or pass --credential-stdin.',
            EXIT.USAGE,
          );
        const number = (flag: string, v: string | undefined) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0)
            throw new CliError('USAGE', `${flag} must be a whole number`, undefined, EXIT.USAGE);
          return n;
        };
        try {
          new URL(o.server);
        } catch {
          throw new CliError(
            'USAGE',
            `--server: "${o.server}" is not a URL`,
            undefined,
            EXIT.USAGE,
          );
        }
        const { ConfigError, createLogger, LOG_LEVELS, loadNetworkConfig } = await import(
          '@latchkey/core/node'
        );
        let network: ReturnType<typeof loadNetworkConfig>;
        try {
          // The same variables as `serve`, the flags first; with LATCHKEY_TURN_URLS and
          // LATCHKEY_TURN_SECRET the runtime also allocates relays on that TURN server.
          network = loadNetworkConfig({ ...process.env, ...networkFlags(o) });
        } catch (error) {
          if (error instanceof ConfigError)
            throw new CliError('CONFIG', error.message, undefined, EXIT.USAGE);
          throw error;
        }
        const { startRuntimeAgent } = await import('@latchkey/runtime');
        const level = LOG_LEVELS.find((l) => l === process.env.LATCHKEY_LOG) ?? 'info';
        const log = createLogger(level);
        const sessions = number('--sessions', o.sessions);
        const jobs = number('--jobs', o.jobs);
        let agent: Awaited<ReturnType<typeof startRuntimeAgent>>;
        try {
          agent = await startRuntimeAgent({
            serverUrl: o.server.replace(/\/+$/, ''),
            credential,
            host: o.host,
            port: number('--port', o.port) ?? 0,
            ...(o.advertiseUrl ? { advertiseUrl: o.advertiseUrl } : {}),
            capacity: {
              ...(sessions !== undefined ? { sessions } : {}),
              ...(jobs !== undefined ? { jobs } : {}),
            },
            hostAddresses: network.iceHostAddresses,
            announcedAddresses: network.iceAnnouncedAddresses,
            rtcPorts: network.rtcPorts,
            turn: network.turn,
            log,
          });
        } catch (error) {
          const e = error as { code?: string; message?: string };
          if (isErrorCode(e.code)) throw new CliError(e.code, e.message ?? 'registration refused');
          throw new CliError(
            'SERVER_UNREACHABLE',
            `could not register with ${o.server}: ${e.message ?? String(error)}`,
            'Check --server and that `latchkey serve` is running there.',
            EXIT.UNREACHABLE,
          );
        }
        process.stdout.write(
          `Latchkey runtime ${agent.runtimeId} listening on ${agent.url}, registered with ${o.server}\n` +
            `Models: ${agent.runtime
              .models()
              .map((m) => `${m.name} (${m.kind})`)
              .join(', ')}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.stdout.write('Latchkey runtime stopping\n');
            agent.close().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}
