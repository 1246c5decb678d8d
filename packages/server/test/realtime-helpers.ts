// A real `latchkey serve` (in-process, embedded PGlite, embedded runtime with the demo
// models) on a manual clock, and small helpers to call it as a browser or a backend.
import { type AdminApi, createAdminApi, manualClock, type RunningServer } from '../src/index.js';
import { embeddedConfig, type TempDir, tempDir } from './helpers.js';
import type { TestServeOptions } from './serve-with-runtime.js';
import { startServer } from './serve-with-runtime.js';

export interface Realtime {
  server: RunningServer;
  url: string;
  admin: AdminApi;
  clock: ReturnType<typeof manualClock>;
  /** The bootstrap app key of the `dev` org. */
  key: string;
  orgId: string;
  token(grant?: Record<string, unknown>, key?: string): Promise<string>;
  call(
    method: string,
    path: string,
    opts?: { auth?: string; body?: unknown; origin?: string; raw?: boolean },
  ): Promise<Response>;
  /** A second org with an app key. */
  otherOrg(): Promise<{ orgId: string; key: string }>;
  close(): Promise<void>;
}

export async function startRealtime(
  env: Record<string, string> = {},
  options: TestServeOptions = {},
): Promise<Realtime> {
  const dir: TempDir = tempDir('lk-rt-');
  const clock = manualClock(Date.now());
  const server = await startServer(
    embeddedConfig(dir.dir, { LATCHKEY_AUTH_FAILURES_PER_IP: '0', ...env }),
    { clock, ...options, runtime: options.runtime ?? { now: () => clock.now() } },
  );
  if (!server.bootstrap) throw new Error('expected a bootstrap key');
  const admin = createAdminApi(server.platform);
  const url = server.url;

  const call: Realtime['call'] = (method, path, opts = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(opts.auth ? { authorization: `Bearer ${opts.auth}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.origin ? { origin: opts.origin } : {}),
      },
      ...(opts.body !== undefined
        ? { body: opts.raw ? String(opts.body) : JSON.stringify(opts.body) }
        : {}),
    });

  const key = server.bootstrap.apiKey;
  return {
    server,
    url,
    admin,
    clock,
    key,
    orgId: server.bootstrap.orgId,
    async token(grant = {}, withKey = key) {
      const res = await call('POST', '/v1/tokens', { auth: withKey, body: grant });
      const body = (await res.json()) as { token?: string; error?: unknown };
      if (!body.token) throw new Error(`mint failed: ${JSON.stringify(body)}`);
      return body.token;
    },
    call,
    async otherOrg() {
      const org = await admin.createOrg({ name: `Other ${Math.random()}`, actor: 'test' });
      if (!org.ok) throw new Error(org.message);
      const k = await admin.createKey({ org: org.value.id, actor: 'test' });
      if (!k.ok) throw new Error(k.message);
      return { orgId: org.value.id, key: k.value.secret };
    },
    async close() {
      await server.close();
      dir.remove();
    },
  };
}
