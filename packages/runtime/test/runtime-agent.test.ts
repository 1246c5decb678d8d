// A runtime in its own process against a stand-in coordinator on node:http: register,
// verify tokens through the coordinator's JWKS, heartbeat, events, re-register, close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, OpenSessionRequest, RuntimeEvent } from '@latchkey/core/node';
import { generateSigningKey } from '@latchkey/core/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RuntimeAgent, startRuntimeAgent } from '../src/runtime-agent.js';
import { AUDIENCE, ISSUER, signingKey, token } from './helpers.js';

const CREDENTIAL = 'rt_0123456789abcdefghijklmnopqrstuv';

type Call = { path: string; auth: string | undefined; body: Record<string, unknown> };

/** A coordinator that records calls; `answer` can be changed per path. */
async function fakeCoordinator() {
  const calls: Call[] = [];
  const waiters: { path: string; match: (c: Call) => boolean; resolve: (c: Call) => void }[] = [];
  const answers: Record<string, (call: Call) => [number, unknown]> = {};
  const server = http.createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path === '/.well-known/jwks.json') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [signingKey.publicJwk] }));
      return;
    }
    let text = '';
    for await (const chunk of req) text += chunk;
    const call: Call = {
      path,
      auth: req.headers.authorization,
      body: text ? JSON.parse(text) : {},
    };
    calls.push(call);
    for (const w of [...waiters])
      if (w.path === path && w.match(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
    const [status, body] = answers[path]?.(call) ?? defaults(path);
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let registrations = 0;
  function defaults(path: string): [number, unknown] {
    switch (path) {
      case '/v1/runtimes/register':
        registrations++;
        return [
          200,
          {
            runtimeId: `rtm_${registrations}`,
            issuer: ISSUER,
            audience: AUDIENCE,
            jwksUrl: `${url}/.well-known/jwks.json`,
            heartbeatSeconds: 2,
          },
        ];
      case '/v1/runtimes/heartbeat':
        return [200, { close: [] }];
      default:
        return [204, undefined];
    }
  }
  const next = (path: string, match: (c: Call) => boolean = () => true) =>
    new Promise<Call>((resolve) => waiters.push({ path, match, resolve }));
  const events = () =>
    calls
      .filter((c) => c.path === '/v1/runtimes/events')
      .flatMap((c) => c.body.events as RuntimeEvent[]);
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { url, calls, answers, next, events, close };
}

const logged: unknown[] = [];
const log: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (msg: string, fields?: unknown) => logged.push([level, msg, fields]),
  ]),
) as unknown as Logger;

let agent: RuntimeAgent | undefined;
let coordinator: Awaited<ReturnType<typeof fakeCoordinator>> | undefined;
afterEach(async () => {
  await agent?.close();
  await coordinator?.close();
  agent = undefined;
  coordinator = undefined;
  logged.length = 0;
});

async function start(heartbeatMs = 30) {
  coordinator = await fakeCoordinator();
  const registered = coordinator.next('/v1/runtimes/register');
  agent = await startRuntimeAgent({
    serverUrl: coordinator.url,
    credential: CREDENTIAL,
    heartbeatMs,
    log,
  });
  const registration = await registered;
  const secret = registration.body.secret as string;
  // The coordinator's side of the runtime protocol (the server's createRemoteRuntime), by hand.
  const remote = { url: agent.url, secret };
  return { coordinator, agent, registration, secret, remote };
}
async function openVia(remote: { url: string; secret: string }, sessionId: string, t = token()) {
  const res = await fetch(`${remote.url}/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${remote.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      sessionId,
      model: 'echo',
      token: t,
      origin: null,
      expiresAt: Date.now() + 60_000,
    } satisfies OpenSessionRequest),
  });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return res.ok ? { ok: true, value: body } : { ok: false, ...body.error };
}

describe('startRuntimeAgent', () => {
  it('registers where it listens, with its models, capacity, a fresh secret and the credential', async () => {
    const { agent, registration } = await start();
    expect(agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(agent.runtimeId).toBe('rtm_1');
    expect(registration.auth).toBe(`Bearer ${CREDENTIAL}`);
    expect(registration.body).toEqual({
      instanceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: agent.url,
      models: agent.runtime.models(),
      capacity: { sessions: 32, jobs: 2 },
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      version: '0.1.0',
    });
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  });

  it("verifies tokens against the coordinator's JWKS", async () => {
    const { remote } = await start();
    expect(await openVia(remote, 'ses_a1')).toMatchObject({ ok: true });
    const forged = token({}, {}, generateSigningKey('sig_test'));
    expect(await openVia(remote, 'ses_a2', forged)).toMatchObject({
      ok: false,
      code: 'INVALID_TOKEN',
    });
  });

  it('heartbeats its live sessions and closes the ones the coordinator lists; the events reach it', async () => {
    const { coordinator, remote, agent } = await start();
    await openVia(remote, 'ses_b1');
    await coordinator.next('/v1/runtimes/heartbeat', (c) =>
      (c.body.sessions as string[]).includes('ses_b1'),
    );
    coordinator.answers['/v1/runtimes/heartbeat'] = () => [
      200,
      { close: [{ sessionId: 'ses_b1', reason: 'key_revoked' }] },
    ];
    await coordinator.next('/v1/runtimes/events');
    expect(coordinator.events()).toEqual([
      {
        type: 'session-closed',
        sessionId: 'ses_b1',
        reason: 'key_revoked',
        at: expect.any(Number),
      },
    ]);
    expect(agent.runtime.liveSessions()).toEqual([]);
  });

  it('registers again, with the same instance, when the coordinator does not know it (409)', async () => {
    const { coordinator, registration } = await start();
    let once = true;
    coordinator.answers['/v1/runtimes/heartbeat'] = () => {
      if (!once) return [200, { close: [] }];
      once = false;
      return [409, { error: { code: 'CONFLICT', message: 'not the current instance' } }];
    };
    const again = await coordinator.next('/v1/runtimes/register');
    expect(again.body.instanceId).toBe(registration.body.instanceId);
    expect(again.body.secret).toBe(registration.body.secret);
    await vi.waitFor(() => expect(agent?.runtimeId).toBe('rtm_2'));
  });

  it('retries events the coordinator could not take', async () => {
    const { coordinator, remote, agent } = await start(60_000);
    let failures = 2;
    coordinator.answers['/v1/runtimes/events'] = () =>
      failures-- > 0 ? [503, { error: { code: 'UNAVAILABLE', message: 'x' } }] : [204, undefined];
    await openVia(remote, 'ses_c1');
    await agent.runtime.closeSession('ses_c1', 'client_closed');
    const eventPosts = () => coordinator.calls.filter((c) => c.path === '/v1/runtimes/events');
    await coordinator.next('/v1/runtimes/events', () => eventPosts().length === 3);
    const posts = eventPosts();
    expect(posts).toHaveLength(3);
    expect(
      posts.every((p) => JSON.stringify(p.body.events) === JSON.stringify(posts[0]?.body.events)),
    ).toBe(true);
  });

  it('close() ends sessions runtime_shutdown, sends the events, deregisters and stops listening', async () => {
    const { coordinator, remote, agent, registration } = await start(60_000);
    await openVia(remote, 'ses_d1');
    await agent.close();
    expect(coordinator.events()).toContainEqual(
      expect.objectContaining({ sessionId: 'ses_d1', reason: 'runtime_shutdown' }),
    );
    const paths = coordinator.calls.map((c) => c.path);
    expect(paths.at(-1)).toBe('/v1/runtimes/deregister');
    expect(coordinator.calls.at(-1)?.body).toEqual({ instanceId: registration.body.instanceId });
    await expect(fetch(`${agent.url}/healthz`)).rejects.toThrow();
  });

  it("fails to start with the coordinator's code when the credential is refused, and leaves nothing open", async () => {
    coordinator = await fakeCoordinator();
    coordinator.answers['/v1/runtimes/register'] = () => [
      401,
      { error: { code: 'RUNTIME_CREDENTIAL_INVALID', message: 'unknown credential' } },
    ];
    const failed = startRuntimeAgent({ serverUrl: coordinator.url, credential: CREDENTIAL, log });
    await expect(failed).rejects.toMatchObject({
      code: 'RUNTIME_CREDENTIAL_INVALID',
      message: expect.stringContaining('unknown credential'),
    });
    expect(coordinator.calls.filter((c) => c.path === '/v1/runtimes/register')).toHaveLength(1);
  });

  it('retries registering while the coordinator answers 5xx, and registers advertiseUrl', async () => {
    coordinator = await fakeCoordinator();
    let unavailable = 1;
    coordinator.answers['/v1/runtimes/register'] = () =>
      unavailable-- > 0
        ? [503, { error: { code: 'UNAVAILABLE', message: 'starting' } }]
        : [
            200,
            {
              runtimeId: 'rtm_9',
              issuer: ISSUER,
              audience: AUDIENCE,
              jwksUrl: '/.well-known/jwks.json',
            },
          ];
    agent = await startRuntimeAgent({
      serverUrl: coordinator.url,
      credential: CREDENTIAL,
      advertiseUrl: 'http://runtime-7.internal:8788/',
      log,
    });
    const registrations = coordinator.calls.filter((c) => c.path === '/v1/runtimes/register');
    expect(registrations).toHaveLength(2);
    expect(registrations[1]?.body.url).toBe('http://runtime-7.internal:8788');
    expect(agent.url).toBe('http://runtime-7.internal:8788');
    expect(agent.runtimeId).toBe('rtm_9');
  });

  it('never logs the credential or the secret', async () => {
    const { agent, secret, remote } = await start();
    await openVia(remote, 'ses_e1');
    await agent.close();
    const text = JSON.stringify(logged);
    expect(logged.length).toBeGreaterThan(0);
    expect(text).not.toContain(CREDENTIAL);
    expect(text).not.toContain(secret);
  });
});
