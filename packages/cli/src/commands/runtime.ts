import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isErrorCode } from '@latchkey/core';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { addNetworkOptions, networkFlags } from '../network-flags.js';
import { CliError } from '../output.js';
import { registerRuntimeCredentials } from './runtime-credentials.js';

const readStdin = () => readFileSync(0, 'utf8').trim();

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `latchkey runtime --server URL [--model ./dist/model.js]`: a model host in its own
 * process; `latchkey runtime credentials …` manages a partner org's runtime credentials.
 */
export function registerRuntime(program: Command) {
  const runtime = addNetworkOptions(program.command('runtime'))
    .description(
      'host models in this process for a Latchkey server: it registers with a runtime credential (rt_…) and verifies every session token itself',
    )
    // Not commander's requiredOption: that would be asked of `runtime credentials …` too.
    .option('--server <url>', 'the Latchkey server (coordinator) to register with (required)')
    .option(
      '--model <file>',
      "serve this module's default export (a defineRealtimeModel/defineBatchModel model) as your org's model; repeatable",
      collect,
    )
    .option('--version <v>', 'the version of the --model to serve (default: its default version)')
    .option('--cache <dir>', 'where pulled weights are kept (default ~/.latchkey/cache/weights)')
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
        server?: string;
        model?: string[];
        version?: string;
        cache?: string;
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
        if (o.server === undefined)
          throw new CliError(
            'USAGE',
            "required option '--server <url>' not specified",
            'Pass the coordinator, e.g. latchkey runtime --server http://10.0.0.2:8787.',
            EXIT.USAGE,
          );
        const server = o.server;
        if (o.version !== undefined && !o.model?.length)
          throw new CliError(
            'USAGE',
            '--version names the version of a --model to serve; pass --model too',
            undefined,
            EXIT.USAGE,
          );
        const credential = o.credentialStdin ? readStdin() : process.env.LATCHKEY_RUNTIME_KEY;
        if (!credential)
          throw new CliError(
            'RUNTIME_CREDENTIAL_INVALID',
            'no runtime credential',
            'Create one with `latchkey runtime credentials create --name NAME` (a partner org) or `latchkey admin runtime create --name NAME` (the operator), then set LATCHKEY_RUNTIME_KEY or pass --credential-stdin.',
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
          new URL(server);
        } catch {
          throw new CliError('USAGE', `--server: "${server}" is not a URL`, undefined, EXIT.USAGE);
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
        const runtimeLib = await import('@latchkey/runtime');
        const { startRuntimeAgent } = runtimeLib;
        const serverUrl = server.replace(/\/+$/, '');
        const deploying = await loadPartnerModels(runtimeLib, {
          serverUrl,
          credential,
          files: o.model ?? [],
          version: o.version,
        });
        const level = LOG_LEVELS.find((l) => l === process.env.LATCHKEY_LOG) ?? 'info';
        const log = createLogger(level);
        const sessions = number('--sessions', o.sessions);
        const jobs = number('--jobs', o.jobs);
        let agent: Awaited<ReturnType<typeof startRuntimeAgent>>;
        try {
          agent = await startRuntimeAgent({
            serverUrl,
            credential,
            ...(deploying.length > 0 ? { models: deploying.map((d) => d.model) } : {}),
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
          throw registrationFailure(error, server);
        }
        // Before anything is printed: whoever waits for a line may signal at once.
        let stopping = false;
        const running = agent;
        const stopped = new Promise<void>((resolve) => {
          const stop = () => {
            stopping = true;
            process.stdout.write('Latchkey runtime stopping\n');
            running.close().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stdout.write(
          `Latchkey runtime ${agent.runtimeId} listening on ${agent.url}, registered with ${server}\n` +
            `Models: ${agent.runtime
              .models()
              .map(
                (m) =>
                  `${m.name}${m.version ? `@${m.version}` : ''} (${m.kind}${m.state ? `, ${m.state}` : ''})`,
              )
              .join(', ')}\n`,
        );
        if (deploying.length > 0) {
          try {
            await runtimeLib.deployModels(agent, deploying, {
              cacheRoot: o.cache ?? runtimeLib.defaultWeightsCache(),
              credential,
              log,
            });
          } catch (error) {
            // Stopped while deploying: the last announce found it deregistered.
            if (stopping) return stopped;
            await agent.close();
            throw registrationFailure(error, server);
          }
          for (const { model } of deploying) {
            const d = model.deployment;
            process.stdout.write(
              `${model.name}@${d.version} ${d.state}${d.stateMessage ? `: ${d.stateMessage}` : ''}${d.weightsPath ? ` (weights in ${d.weightsPath})` : ''}\n`,
            );
          }
        }
        await stopped;
      },
    );
  registerRuntimeCredentials(runtime);
}

/** A refusal keeps the coordinator's code (RUNTIME_MODEL_NOT_ALLOWED, …); anything else is unreachable. */
function registrationFailure(error: unknown, server: string): CliError {
  if (error instanceof CliError) return error;
  const e = error as { code?: string; message?: string };
  if (isErrorCode(e.code)) return new CliError(e.code, e.message ?? 'registration refused');
  return new CliError(
    'SERVER_UNREACHABLE',
    `could not register with ${server}: ${e.message ?? String(error)}`,
    'Check --server and that `latchkey serve` is running there.',
    EXIT.UNREACHABLE,
  );
}

/**
 * Each `--model` module's default export, served as the org's model at the version the
 * coordinator resolves (`deploying` until its weights are pulled).
 */
async function loadPartnerModels(
  lib: typeof import('@latchkey/runtime'),
  o: { serverUrl: string; credential: string; files: string[]; version: string | undefined },
): Promise<import('@latchkey/runtime').Deploying[]> {
  const out: import('@latchkey/runtime').Deploying[] = [];
  for (const file of o.files) {
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
    } catch (error) {
      throw new CliError(
        'USAGE',
        `--model ${file}: the module could not be loaded (${(error as Error).message})`,
        'Pass a built ES module whose default export is a model; it imports @latchkey/runtime, so run `npm i @latchkey/runtime` beside it.',
        EXIT.USAGE,
      );
    }
    const model = loaded.default as import('@latchkey/runtime').Model | undefined;
    if (!model || (model.kind !== 'realtime' && model.kind !== 'batch') || !model.info)
      throw new CliError(
        'USAGE',
        `--model ${file}: the default export is not a model`,
        'export default defineRealtimeModel({ … }) (or defineBatchModel) from @latchkey/runtime.',
        EXIT.USAGE,
      );
    let resolved: import('@latchkey/runtime').ResolvedModel;
    try {
      resolved = await lib.resolveModel(
        { serverUrl: o.serverUrl, credential: o.credential },
        { model: model.name, version: o.version },
      );
    } catch (error) {
      throw registrationFailure(error, o.serverUrl);
    }
    out.push({
      model: lib.deployModel(model, { name: resolved.name, version: resolved.version }),
      resolved,
    });
  }
  return out;
}
