// The database goes away under a running server, then comes back: 503s, never a
// 500 or a hang, and recovery without a restart.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi, type RunningServer } from '../src/index.js';
import {
  createTestDatabase,
  PG_URL,
  pollUntil,
  postgresAvailable,
  postgresConfig,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';

/** A TCP proxy on 127.0.0.1 that can drop every connection and refuse new ones. */
class SwitchableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Destroys every open connection and stops listening: new ones are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  get openConnections(): number {
    return this.sockets.size;
  }
}

const pgUp = await postgresAvailable();
const run = serviceGate('PostgreSQL', PG_URL, pgUp);

describe.skipIf(!run)('database unavailable', () => {
  let dir: TempDir;
  let database: TestDatabase;
  let proxy: SwitchableProxy;
  let server: RunningServer;
  let key: string;

  const mint = (timeoutMs = 8000) =>
    fetch(`${server.url}/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ expiresIn: 60 }),
      signal: AbortSignal.timeout(timeoutMs),
    });

  beforeAll(async () => {
    requireService('PostgreSQL', PG_URL, pgUp);
    dir = tempDir();
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = new SwitchableProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await startServer(postgresConfig(viaProxy.toString(), dir.dir));
    if (!server.bootstrap) throw new Error('expected a bootstrap key on a fresh database');
    key = server.bootstrap.apiKey;
  });

  afterAll(async () => {
    await server?.close();
    await proxy?.stop();
    await database?.drop();
    dir?.remove();
  });

  it('mints while the database is up', async () => {
    const res = await mint();
    expect(res.status).toBe(201);
    expect(proxy.openConnections).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('answers 503 UNAVAILABLE (not 500, not a hang) while it is down', async () => {
    // Drop the database under requests in flight: each ends 201 or 503, and the
    // process survives connections dying while they are checked out of the pool.
    const inflight = Array.from({ length: 20 }, () => mint());
    await new Promise((r) => setImmediate(r));
    await proxy.stop();
    const statuses = (await Promise.all(inflight)).map((r) => r.status);
    for (const s of statuses) expect([201, 503]).toContain(s);

    // A hang would end in the request's own abort (8 s) and fail the test.
    const res = await mint();
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status, JSON.stringify(body)).toBe(503);
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/database/);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);

    // Every route that needs the database says the same, again and again.
    for (let i = 0; i < 3; i++) {
      const again = await mint();
      expect(again.status).toBe(503);
      const who = await fetch(`${server.url}/v1/whoami`, {
        headers: { Authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(8000),
      });
      expect(who.status).toBe(503);
      expect(((await who.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    }
    const ready = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(8000) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    // The process itself is alive.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('recovers without a restart once the database is back', async () => {
    await proxy.start();
    const started = performance.now();
    await pollUntil(
      'a mint to succeed again',
      async () => ((await mint(3000)).status === 201 ? true : undefined),
      10_000,
      100,
    );
    console.log(
      `[latchkey] mint recovered ${(performance.now() - started).toFixed(0)} ms after the database came back`,
    );
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('hears of revocations again once LISTEN has reconnected', async () => {
    expect((await mint()).status).toBe(201);
    const who = (await (
      await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${key}` } })
    ).json()) as { key: { id: string } };
    const revoked = await createAdminApi(server.platform).revokeKey({
      id: who.key.id,
      actor: 'test',
    });
    expect(revoked.ok).toBe(true);
    // The key is cached; only the NOTIFY (over the re-established LISTEN) evicts it.
    await pollUntil(
      'the revocation to reach the server',
      async () => {
        const res = await mint();
        if (res.status === 201) return undefined;
        return (await res.json()) as { error: { code: string } };
      },
      3000,
      20,
    ).then((body) => expect(body.error.code).toBe('API_KEY_REVOKED'));
  });
});
