import type { Command } from 'commander';
import { configFrom } from '../admin-connection.js';
import { dashboardDir } from '../dashboard-dir.js';
import { EXIT } from '../exit-codes.js';
import { addNetworkOptions, networkFlags } from '../network-flags.js';
import { CliError } from '../output.js';

/** How long `serve` may take to stop on SIGINT/SIGTERM before it exits anyway. */
const STOP_DEADLINE_MS = 20_000;

export function registerServe(program: Command) {
  addNetworkOptions(program.command('serve'))
    .description(
      'run Latchkey: the HTTP API on an embedded database (or PostgreSQL with DATABASE_URL)',
    )
    .option('--port <n>', 'port to listen on (default: PORT or 8787; 0 picks a free one)')
    .option('--host <h>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option(
      '--data-dir <dir>',
      'embedded database directory (default: LATCHKEY_DATA_DIR or ./.latchkey-data)',
    )
    .option('--database-url <url>', 'PostgreSQL connection string (default: DATABASE_URL)')
    .option(
      '--registry <host:port>',
      'the container registry this platform fronts (default: LATCHKEY_REGISTRY)',
    )
    .option(
      '--no-runtime',
      'host no models in this process (they run in `latchkey runtime` processes)',
    )
    .option('--no-dashboard', 'do not serve the dashboard at /')
    .option(
      '--no-bootstrap',
      'do not create a development org, key and user on an empty database, and take no sign-ups unless LATCHKEY_SIGNUP says so (production)',
    )
    .action(
      async (opts: {
        port?: string;
        host?: string;
        dataDir?: string;
        databaseUrl?: string;
        registry?: string;
        iceHost?: string;
        iceAnnounce?: string;
        rtcPorts?: string;
        runtime: boolean;
        dashboard: boolean;
        bootstrap: boolean;
      }) => {
        const { DataDirBusyError, startServer } = await import('@latchkey/server');
        const { embeddedRuntime } = await import('@latchkey/runtime');
        const config = await configFrom(opts, {
          ...(opts.port !== undefined ? { PORT: opts.port } : {}),
          ...(opts.host !== undefined ? { HOST: opts.host } : {}),
          ...(opts.registry !== undefined ? { LATCHKEY_REGISTRY: opts.registry } : {}),
          ...(opts.runtime === false ? { LATCHKEY_EMBEDDED_RUNTIME: 'false' } : {}),
          ...networkFlags(opts),
        });
        const dashboard = opts.dashboard === false ? undefined : dashboardDir();
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          server = await startServer(config, {
            bootstrap: opts.bootstrap,
            // --no-runtime sets LATCHKEY_EMBEDDED_RUNTIME=false, which the server honours.
            runtime: embeddedRuntime(),
            ...(dashboard ? { dashboardDir: dashboard } : {}),
          });
        } catch (error) {
          if (error instanceof DataDirBusyError) {
            throw new CliError(
              'DATA_DIR_BUSY',
              `${error.message}; another latchkey serve is running on ${config.dataDir}`,
              'Stop it, or pass another --data-dir.',
            );
          }
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new CliError(
              'CONFIG',
              `port ${config.port} on ${config.host} is in use`,
              'Pass another --port (or PORT=0 for any free port).',
              EXIT.USAGE,
            );
          }
          throw error;
        }
        const where = config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`;
        const lines = [`Latchkey listening on ${server.url} (${where})`];
        if (server.bootstrap) {
          const k = server.bootstrap.apiKey;
          lines.push(
            '',
            'First start: created the development org "dev" and an app key. It is shown once:',
            '',
            `  ${k}`,
            '',
            'Mint a session token with:',
            '',
            `  curl -s -X POST ${server.url}/v1/tokens -H "Authorization: Bearer ${k}"`,
            '',
          );
          const u = server.bootstrap.user;
          if (u)
            lines.push(
              `And the development user ${u.email}, owner of "dev". Sign in as them once with this link (24 hours); to set a password, use "forgot password" (POST /v1/auth/request-password-reset):`,
              '',
              `  ${u.signInLink}`,
              '',
            );
        }
        if (server.runtime)
          lines.push(
            `Models in this process: ${server.runtime
              .models()
              .map((m) => `${m.name} (${m.kind})`)
              .join(', ')}`,
          );
        else
          lines.push('No models in this process: start `latchkey runtime --server URL` processes.');
        if (config.registry)
          lines.push(`Registry ${config.registry}: token endpoint ${server.url}/v1/registry/token`);
        if (dashboard)
          lines.push(
            `Dashboard: ${server.url}/${server.bootstrap?.user ? ' (the sign-in link above opens it signed in)' : ''}`,
          );
        else if (opts.dashboard !== false)
          lines.push('No dashboard: it is not built (npm run build builds it).');
        lines.push(`API docs: ${server.url}/docs`, '');
        // One write, so a reader sees the whole block at once.
        process.stdout.write(lines.join('\n'));
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.stdout.write('Latchkey stopping\n');
            // A shutdown that cannot finish must not leave the process behind (a second
            // signal also ends it at once: the handlers are gone after the first).
            const deadline = setTimeout(() => {
              process.stderr.write(
                `Latchkey did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting\n`,
              );
              process.exit(1);
            }, STOP_DEADLINE_MS);
            deadline.unref();
            server.close().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}
