import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { newId } from '@latchkey/core';
import type { Runtime, RuntimeOptions } from '@latchkey/runtime';
import { createAdminApi } from './admin/admin-api.js';
import { createAdminRoutes } from './admin/admin-routes.js';
import type { ServerConfig } from './config.js';
import { adminSocketPath, tryLockDataDir } from './data-dir-lock.js';
import { createApp } from './http/app.js';
import { envelope } from './http/http-error.js';
import { RUNTIME_HOST_PATH } from './http/routes/runtime-host.js';
import { createPlatform, type Platform, type PlatformOverrides } from './platform.js';
import { createApiKey } from './services/api-keys.js';
import { createOrg } from './services/orgs.js';

export interface RunningServer {
  url: string;
  port: number;
  platform: Platform;
  /** The admin socket, on the embedded database. */
  adminSocket: string | undefined;
  /** Present on the first start of an empty database (unless bootstrap is off). */
  bootstrap: { orgId: string; orgSlug: string; apiKey: string } | undefined;
  /** The runtime embedded in this process, if any. */
  runtime: Runtime | undefined;
  close(): Promise<void>;
}

export interface ServeOptions extends PlatformOverrides {
  bootstrap?: boolean;
  /**
   * The embedded runtime: `false` for none (a coordinator whose models run in
   * `latchkey runtime` processes), or options for it (models, capacity…). Default:
   * the demo models, unless the config turns the embedded runtime off.
   */
  runtime?: false | EmbeddedRuntimeOptions;
}

export type EmbeddedRuntimeOptions = Omit<RuntimeOptions, 'verifyToken'>;

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(readonly pid: number) {
    super(`the data dir is in use by process ${pid}`);
  }
}

const MAX_HEADER_BYTES = 16 * 1024;

/** What a request that could not be parsed into a URL did wrong, for the error message. */
function malformedMessage(error: unknown): string {
  const message = String((error as Error)?.message ?? '');
  if (/missing host/i.test(message))
    return 'the request has no Host header (HTTP/1.1 requires one: Host: <server>[:port])';
  if (/host/i.test(message) || /invalid url/i.test(message))
    return 'the Host header is not a valid host[:port]';
  return 'malformed HTTP request';
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Hosts the models in this process: the runtime verifies tokens with the platform's
 * own keys, reports its sessions straight to the coordinator, and is reachable by
 * other processes at `${url}/runtime-host` with a bearer secret.
 */
async function attachEmbeddedRuntime(
  platform: Platform,
  url: string,
  config: ServerConfig,
  options: ServeOptions,
): Promise<{ runtime: Runtime; close(): Promise<void> } | undefined> {
  if (options.runtime === false || !config.embeddedRuntime) return undefined;
  const { createRuntime, createRuntimeHandler } = await import('@latchkey/runtime');
  const runtime = createRuntime({
    hostAddresses: config.iceHostAddresses,
    announcedAddresses: config.iceAnnouncedAddresses,
    rtcPorts: config.rtcPorts,
    log: platform.log,
    ...options.runtime,
    verifyToken: platform.verifyToken,
  });
  const secret = randomBytes(32).toString('base64url');
  platform.realtime.embeddedHandler = createRuntimeHandler(runtime, { secret });
  const id = await platform.realtime.directory.attachEmbedded(
    runtime,
    `${url}${RUNTIME_HOST_PATH}`,
    secret,
  );
  const pending = new Set<Promise<void>>();
  runtime.onEvent((event) => {
    const applied = platform.realtime.sessions
      .applyEvent(id, event)
      .catch((error) => platform.log.warn('session event not applied', { error: String(error) }))
      .finally(() => pending.delete(applied));
    pending.add(applied);
  });
  return {
    runtime,
    async close() {
      await runtime.close().catch(() => undefined);
      await Promise.all([...pending]);
    },
  };
}

/** Starts Latchkey: storage, services, the HTTP API and (embedded) the admin socket. */
export async function startServer(
  config: ServerConfig,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const lock = config.databaseUrl ? undefined : tryLockDataDir(config.dataDir);
  if (lock && 'heldBy' in lock) throw new DataDirBusyError(lock.heldBy);
  let platform: Platform;
  try {
    platform = await createPlatform(config, options);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const app = createApp(platform);
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      // Node answers a missing Host with a bare 400 of its own; the listener below
      // answers it (and a Host it cannot parse) with the envelope instead.
      requireHostHeader: false,
    },
    getRequestListener(app.fetch, {
      // The request could not even be built (no Host, an invalid Host, a bad path).
      errorHandler: (error) => {
        const requestId = newId('req');
        const malformed = (error as Error)?.name === 'RequestError';
        if (malformed) platform.log.debug('malformed request', { requestId, error: String(error) });
        else platform.log.error('unhandled error', { requestId, error: String(error) });
        return Response.json(
          malformed
            ? envelope('INVALID_REQUEST', malformedMessage(error), requestId, platform.issuer)
            : envelope(
                'INTERNAL_ERROR',
                `something went wrong on our side; request id ${requestId}`,
                requestId,
                platform.issuer,
              ),
          {
            status: malformed ? 400 : 500,
            headers: { 'X-Request-Id': requestId, Connection: 'close' },
          },
        );
      },
    }),
  );
  // Oversized or malformed requests never reach Hono; answer them with our envelope too.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const code = tooLarge ? 'HEADERS_TOO_LARGE' : 'INVALID_REQUEST';
    const requestId = newId('req');
    const body = JSON.stringify(
      envelope(
        code,
        tooLarge ? `request headers are over ${MAX_HEADER_BYTES} bytes` : 'malformed HTTP request',
        requestId,
        platform.issuer,
      ),
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nX-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':')
    ? `[${config.host}]`
    : config.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.host;
  const url = `http://${hostForUrl}:${port}`;
  if (!config.issuer) platform.issuer = url;

  if (config.databaseUrl && !config.issuer)
    platform.log.warn(
      'LATCHKEY_ISSUER is not set: this process signs tokens as issued by its own URL, so other processes on this database (and their runtimes) refuse them as "wrong issuer". Set LATCHKEY_ISSUER to the public URL every process shares',
      { issuer: url },
    );
  const embedded = await attachEmbeddedRuntime(platform, url, config, options);
  platform.realtime.start();

  const admin = createAdminApi(platform);
  let adminServer: Server | undefined;
  let adminSocket: string | undefined;
  if (!config.databaseUrl) {
    adminSocket = adminSocketPath(config.dataDir);
    rmSync(adminSocket, { force: true });
    const routes = createAdminRoutes(admin);
    adminServer = createServer(getRequestListener(routes.fetch));
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        adminServer?.once('error', reject);
        adminServer?.listen(adminSocket, resolve);
      });
    } finally {
      process.umask(old);
    }
    chmodSync(adminSocket, 0o600);
  }

  let bootstrap: RunningServer['bootstrap'];
  if (options.bootstrap !== false) {
    const any = await platform.db.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
    if (!any) {
      const org = await createOrg(platform.db, platform.clock, {
        name: 'Development',
        slug: 'dev',
        actor: 'system:bootstrap',
      });
      if (org.ok) {
        const key = await createApiKey(platform, {
          org: org.value.id,
          kind: 'app',
          name: 'development',
          actor: 'system:bootstrap',
        });
        if (key.ok)
          bootstrap = { orgId: org.value.id, orgSlug: org.value.slug, apiKey: key.value.secret };
      }
    }
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    platform,
    adminSocket,
    bootstrap,
    runtime: embedded?.runtime,
    close() {
      closing ??= (async () => {
        // Sessions end first (runtime_shutdown), while their rows can still be written.
        await embedded?.close();
        await platform.realtime.stop();
        await platform.realtime.directory.detachEmbedded().catch(() => undefined);
        server.closeIdleConnections?.();
        await new Promise<void>((r) => server.close(() => r()));
        if (adminServer) await new Promise<void>((r) => adminServer?.close(() => r()));
        if (adminSocket) rmSync(adminSocket, { force: true });
        await platform.close();
        if (lock && !('heldBy' in lock)) lock.release();
      })();
      return closing;
    },
  };
}
