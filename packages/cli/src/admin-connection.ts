import { request } from 'node:http';
import { userInfo } from 'node:os';
import { isErrorCode, readEnvelope } from '@latchkey/core';
import type { AdminApi, AdminOperation, Result, ServerConfig } from '@latchkey/server';

// The server package (PGlite, Kysely, Hono…) is loaded only by the commands that
// need it, so `latchkey auth …` and the credential helper start fast.
const server = () => import('@latchkey/server');

import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

export interface DbOptions {
  dataDir?: string;
  databaseUrl?: string;
}

export const actor = () => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
};

export async function configFrom(
  opts: DbOptions,
  extra: Record<string, string | undefined> = {},
): Promise<ServerConfig> {
  const { ConfigError, loadConfig } = await server();
  try {
    return loadConfig({
      ...process.env,
      ...(opts.dataDir ? { LATCHKEY_DATA_DIR: opts.dataDir } : {}),
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      ...extra,
    });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError('CONFIG', error.message, undefined, EXIT.USAGE);
    throw error;
  }
}

/** Calls one admin operation over the running server's Unix socket. */
function socketCall(
  socketPath: string,
  op: AdminOperation,
  input: unknown,
): Promise<Result<unknown>> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(input);
    const req = request(
      {
        socketPath,
        path: `/admin/${op}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            const refused = readEnvelope(parsed);
            if (refused)
              resolve({
                ok: false,
                code: isErrorCode(refused.code) ? refused.code : 'INTERNAL_ERROR',
                message: refused.message ?? refused.code,
              });
            else resolve(parsed as Result<unknown>);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` against the admin API: directly on PostgreSQL or an idle data dir;
 * through the running server's admin socket when `latchkey serve` holds the data
 * dir (PGlite admits one process, so we never open its files a second time).
 */
export async function withAdmin<T>(
  opts: DbOptions,
  fn: (api: AdminApi, via: 'direct' | 'socket') => Promise<T>,
): Promise<T> {
  const config = await configFrom(opts);
  const {
    adminApiVia,
    adminSocketPath,
    createAdminApi,
    createLogger,
    createMemoryRateLimiter,
    createPlatform,
    DataDirBusyError,
    systemClock,
    tryLockDataDir,
  } = await server();
  let lock: ReturnType<typeof tryLockDataDir> | undefined;
  if (!config.databaseUrl) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      lock = tryLockDataDir(config.dataDir);
      if (!('heldBy' in lock)) break;
      // A server holds the dir: go through its socket. It may still be starting, so wait a little.
      try {
        const socket = adminSocketPath(config.dataDir);
        return await fn(
          adminApiVia((op, input) => socketCall(socket, op, input)),
          'socket',
        );
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw error;
        if (Date.now() > deadline) {
          throw new CliError(
            'DATA_DIR_BUSY',
            `the data dir ${config.dataDir} is held by process ${lock.heldBy}, which does not answer on its admin socket`,
            'Stop that process, or wait until it has started.',
          );
        }
      }
      await sleep(100);
    }
  }
  let platform: Awaited<ReturnType<typeof createPlatform>> | undefined;
  try {
    platform = await createPlatform(config, {
      limiter: createMemoryRateLimiter(systemClock),
      log: createLogger('error'),
    });
    return await fn(createAdminApi(platform), 'direct');
  } catch (error) {
    if (error instanceof DataDirBusyError)
      throw new CliError('DATA_DIR_BUSY', error.message, 'Retry in a moment.');
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
      throw new CliError(
        'UNAVAILABLE',
        `cannot use the database: ${(error as Error).message}`,
        'Check DATABASE_URL / --database-url and that PostgreSQL is running.',
      );
    }
    throw error;
  } finally {
    await platform?.close();
    if (lock && !('heldBy' in lock)) lock.release();
  }
}

/** Unwraps a service result into a value, or a CliError with the code. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new CliError(r.code, r.message);
}
