import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { newId } from '@latchkey/core';
import type { EmbeddedRuntime, EmbeddedRuntimeFactory, RuntimeHost } from '@latchkey/core/node';
import { addMember } from './accounts/memberships.js';
import { createUser, signInLink } from './accounts/users.js';
import { createAdminApi } from './admin/admin-api.js';
import type { ServerConfig } from './config.js';
import { adminSocketPath, tryLockDataDir } from './data-dir-lock.js';
import { createAdminRoutes } from './http/admin-routes.js';
import { createApp } from './http/app.js';
import { checkDashboardDir } from './http/dashboard.js';
import { envelope } from './http/http-error.js';
import { RUNTIME_HOST_PATH } from './http/routes/runtime-host.js';
import { createPlatform, type Platform, type PlatformOverrides } from './platform.js';
import { createApiKey } from './services/api-keys.js';
import { auditInTransaction } from './services/audit.js';
import { createOrg } from './services/orgs.js';

export interface RunningServer {
  url: string;
  port: number;
  platform: Platform;
  /** The admin socket, on the embedded database. */
  adminSocket: string | undefined;
  /** Present on the first start of an empty database (unless bootstrap is off). */
  bootstrap:
    | {
        orgId: string;
        orgSlug: string;
        apiKey: string;
        /** The development user (owner of `dev`) and a one-time sign-in link for them. */
        user?: { id: string; email: string; signInLink: string };
      }
    | undefined;
  /** The runtime embedded in this process, if any. */
  runtime: RuntimeHost | undefined;
  close(): Promise<void>;
}

export interface ServeOptions extends Omit<PlatformOverrides, 'issuer'> {
  /**
   * On an empty database, create the development org, key and user (default on).
   * Also decides the sign-up policy when LATCHKEY_SIGNUP is unset: `open` with
   * bootstrap (development), `closed` without (production).
   */
  bootstrap?: boolean;
  /**
   * The runtime to host in this process, built by the caller (the server never
   * imports a runtime): `embeddedRuntime()` from `@latchkey/runtime` is what
   * `latchkey serve` passes. None when absent or `false` (a coordinator whose models
   * run in `latchkey runtime` processes), or when the config turns it off
   * (LATCHKEY_EMBEDDED_RUNTIME=false).
   */
  runtime?: false | EmbeddedRuntimeFactory;
  /**
   * The built dashboard (a folder with index.html), served at `/` on the API's origin.
   * The server never imports the dashboard package: `latchkey serve` resolves its
   * `dist` and passes it, as it passes the runtime. None when absent.
   */
  dashboardDir?: string;
}

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
async function embedRuntime(
  platform: Platform,
  url: string,
  factory: EmbeddedRuntimeFactory,
): Promise<EmbeddedRuntime & { close(): Promise<void> }> {
  const { config } = platform;
  const secret = randomBytes(32).toString('base64url');
  const { host, handler } = factory({
    verifyToken: platform.verifyToken,
    log: platform.log,
    secret,
    network: {
      hostAddresses: config.iceHostAddresses,
      announcedAddresses: config.iceAnnouncedAddresses,
      rtcPorts: config.rtcPorts,
    },
  });
  const id = await platform.realtime.directory.attachEmbedded(
    host,
    `${url}${RUNTIME_HOST_PATH}`,
    secret,
  );
  const pending = new Set<Promise<void>>();
  host.onEvent((event) => {
    const applied = platform.realtime.sessions
      .applyEvent(id, event)
      .catch((error) => platform.log.warn('session event not applied', { error: String(error) }))
      .finally(() => pending.delete(applied));
    pending.add(applied);
  });
  return {
    host,
    handler,
    async close() {
      await host.close().catch(() => undefined);
      await Promise.all([...pending]);
    },
  };
}

/** The address of the development user that the first start creates. */
export const DEV_USER_EMAIL = 'dev@localhost.test';

/**
 * The development user: owner of org `dev`, with a one-time sign-in link (they set a
 * password through "forgot password", POST /v1/auth/request-password-reset, or
 * `latchkey admin user create` makes others with a link to set one).
 */
async function bootstrapUser(
  platform: Platform,
  orgId: string,
): Promise<{ id: string; email: string; signInLink: string } | undefined> {
  const user = await createUser(platform, { email: DEV_USER_EMAIL, name: 'Developer' });
  if (!user) return undefined;
  await platform.db.transaction().execute(async (trx) => {
    await addMember(trx, platform.clock, { orgId, userId: user.id, role: 'owner' });
    await auditInTransaction(trx, platform.clock, {
      orgId: null,
      action: 'user.created',
      actor: 'system:bootstrap',
      target: user.id,
      outcome: 'ok',
      data: { email: user.email, owner: orgId },
    });
  });
  return {
    id: user.id,
    email: user.email,
    signInLink: await signInLink(platform.auth, user.email),
  };
}

/** Starts Latchkey: storage, services, the HTTP API and (embedded) the admin socket. */
export async function startServer(
  config: ServerConfig,
  options: ServeOptions = {},
): Promise<RunningServer> {
  if (options.dashboardDir) checkDashboardDir(options.dashboardDir);
  const lock = config.databaseUrl ? undefined : tryLockDataDir(config.dataDir);
  if (lock && 'heldBy' in lock) throw new DataDirBusyError(lock.heldBy);
  // The socket comes first, so the platform is built knowing its URL (the issuer when
  // LATCHKEY_ISSUER is unset). A request that arrives meanwhile waits for the app.
  let handle: RequestListener | undefined;
  let ready: (listener: RequestListener | undefined) => void = () => undefined;
  const listener = new Promise<RequestListener | undefined>((resolve) => {
    ready = (l) => {
      handle = l;
      resolve(l);
    };
  });
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      // Node answers a missing Host with a bare 400 of its own; the listener below
      // answers it (and a Host it cannot parse) with the envelope instead.
      requireHostHeader: false,
    },
    // Once the app is there, requests go straight to it (no promise hop per request).
    (req, res) => {
      if (handle) return void handle(req, res);
      void listener.then((l) =>
        l ? l(req, res) : res.writeHead(503, { Connection: 'close' }).end(),
      );
    },
  );
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':')
    ? `[${config.host}]`
    : config.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.host;
  const url = `http://${hostForUrl}:${port}`;
  const issuer = config.issuer ?? url;
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
        issuer,
      ),
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nX-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  let platform: Platform;
  try {
    platform = await createPlatform(config, {
      ...options,
      issuer: url,
      signup: options.signup ?? (options.bootstrap === false ? 'closed' : 'open'),
    });
  } catch (error) {
    ready(undefined);
    await new Promise<void>((r) => server.close(() => r()));
    lock?.release();
    throw error;
  }
  if (config.databaseUrl && !config.issuer)
    platform.log.warn(
      'LATCHKEY_ISSUER is not set: this process signs tokens as issued by its own URL, so other processes on this database (and their runtimes) refuse them as "wrong issuer". Set LATCHKEY_ISSUER to the public URL every process shares',
      { issuer: url },
    );
  const embedded =
    options.runtime && config.embeddedRuntime
      ? await embedRuntime(platform, url, options.runtime)
      : undefined;
  const app = createApp(platform, {
    runtimeHandler: embedded?.handler,
    dashboardDir: options.dashboardDir,
  });
  ready(
    getRequestListener(app.fetch, {
      // The request could not even be built (no Host, an invalid Host, a bad path).
      errorHandler: (error) => {
        const requestId = newId('req');
        const malformed = (error as Error)?.name === 'RequestError';
        if (malformed) platform.log.debug('malformed request', { requestId, error: String(error) });
        else platform.log.error('unhandled error', { requestId, error: String(error) });
        return Response.json(
          malformed
            ? envelope('INVALID_REQUEST', malformedMessage(error), requestId, issuer)
            : envelope(
                'INTERNAL_ERROR',
                `something went wrong on our side; request id ${requestId}`,
                requestId,
                issuer,
              ),
          {
            status: malformed ? 400 : 500,
            headers: { 'X-Request-Id': requestId, Connection: 'close' },
          },
        );
      },
    }),
  );
  await platform.realtime.start();

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
          bootstrap = {
            orgId: org.value.id,
            orgSlug: org.value.slug,
            apiKey: key.value.secret,
            user: await bootstrapUser(platform, org.value.id),
          };
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
    runtime: embedded?.host,
    close() {
      closing ??= (async () => {
        // Jobs this process holds go back to the queue before its runtime stops under them;
        // then sessions end (runtime_shutdown), while their rows can still be written.
        await platform.realtime.stop();
        await embedded?.close();
        await platform.realtime.directory.detachEmbedded().catch(() => undefined);
        server.closeIdleConnections?.();
        const drained = new Promise<void>((r) => server.close(() => r()));
        // Requests still in flight get a few seconds to finish; then their sockets close,
        // so a client that holds a connection open cannot hold the shutdown with it.
        const cut = setTimeout(() => server.closeAllConnections?.(), 5_000);
        cut.unref();
        await drained;
        clearTimeout(cut);
        if (adminServer) await new Promise<void>((r) => adminServer?.close(() => r()));
        if (adminSocket) rmSync(adminSocket, { force: true });
        await platform.close();
        if (lock && !('heldBy' in lock)) lock.release();
      })();
      return closing;
    },
  };
}
