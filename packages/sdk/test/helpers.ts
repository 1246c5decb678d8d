// Shared set-up for the SDK's tests: a real Latchkey server on a fresh PGlite, and
// loopback servers that record every connection and request they get.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedRuntimeOptions, embeddedRuntime } from '@latchkey/runtime';
import {
  type AdminApi,
  createAdminApi,
  loadConfig,
  type RunningServer,
  type ServeOptions,
  startServer,
} from '@latchkey/server';

export const IN_CI = process.env.CI === 'true';

export interface Latchkey {
  server: RunningServer;
  admin: AdminApi;
  url: string;
  /** The bootstrap app key of the `dev` org. */
  key: string;
  orgId: string;
  close(): Promise<void>;
}

/**
 * Starts `latchkey serve` in-process on a fresh embedded database and a random loopback
 * port, with its embedded runtime (the demo models `echo` and `render`, unless
 * `options.runtime` says otherwise).
 */
export async function startLatchkey(
  env: Record<string, string> = {},
  options: Omit<ServeOptions, 'runtime'> & { runtime?: false | EmbeddedRuntimeOptions } = {},
): Promise<Latchkey> {
  const { runtime, ...rest } = options;
  const dir = mkdtempSync(join(tmpdir(), 'lk-sdk-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_LOG: 'silent',
      LATCHKEY_AUTH_FAILURES_PER_IP: '0',
      ...env,
    }),
    { ...rest, runtime: runtime === false ? false : embeddedRuntime(runtime) },
  );
  if (!server.bootstrap) throw new Error('expected a bootstrap key on a fresh data dir');
  return {
    server,
    admin: createAdminApi(server.platform),
    url: server.url,
    key: server.bootstrap.apiKey,
    orgId: server.bootstrap.orgId,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function newKey(
  lk: Latchkey,
  opts: { org?: string; kind?: 'app' | 'partner'; expiresInSeconds?: number } = {},
) {
  const r = await lk.admin.createKey({
    org: opts.org ?? lk.orgId,
    actor: 'sdk-test',
    ...(opts.kind ? { kind: opts.kind } : {}),
    ...(opts.expiresInSeconds ? { expiresInSeconds: opts.expiresInSeconds } : {}),
  });
  if (!r.ok) throw new Error(`createKey: ${r.code} ${r.message}`);
  return r.value;
}

export interface Recorded {
  method: string;
  /** The request target exactly as it arrived. */
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RecordingServer {
  url: string;
  port: number;
  /** Every request parsed. */
  requests: Recorded[];
  /** Every TCP connection accepted, parsed or not. */
  connections: number;
  /** Bytes received on all connections, parsed or not. */
  raw(): string;
  close(): Promise<void>;
}

type Responder = (req: Recorded, res: http.ServerResponse) => void | Promise<void>;

/** A loopback HTTP server that records everything it receives and answers with `respond`. */
export async function recordingServer(
  respond: Responder = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  },
): Promise<RecordingServer> {
  const requests: Recorded[] = [];
  const rawChunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      Promise.resolve(respond(rec, res)).catch((error) => {
        res.destroy(error as Error);
      });
    });
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', (d: Buffer) => rawChunks.push(d));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    raw: () => Buffer.concat(rawChunks).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A listening node:http server around a request listener. */
export async function listen(
  listener: http.RequestListener,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer(listener);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never answers: a platform that hangs. */
export async function silentServer(): Promise<{
  url: string;
  accepted(): number;
  close(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends bytes exactly as given over TCP and reads the answer until the server
 * closes (requests carry `Connection: close`). For request targets fetch would
 * normalise or refuse.
 */
export function rawRequest(
  port: number,
  request: string,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(request.slice(0, 80))}`),
      );
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: decodeChunked(head, text.slice(head.length + 4) || body) });
    });
    socket.write(request, 'latin1');
  });
}

function decodeChunked(head: string, body: string): string {
  if (!/transfer-encoding:\s*chunked/i.test(head)) return body;
  let out = '';
  let rest = body;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) break;
    const size = Number.parseInt(rest.slice(0, nl), 16);
    if (!size) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}
