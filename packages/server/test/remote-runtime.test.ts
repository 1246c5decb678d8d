// The coordinator's client for a runtime in another process, against a real node:http
// server that serves createRuntimeHandler.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeEvent } from '@latchkey/core/node';
import {
  createRuntime,
  createRuntimeHandler,
  type Runtime,
  toNodeListener,
} from '@latchkey/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The runtime's own test kit: a WebRTC peer playing the browser, tokens and a PNG reader.
import { FakeBrowser, recordEvents, token, verifyToken } from '../../runtime/test/helpers.js';
import { readPng } from '../../runtime/test/read-png.js';
import { createRemoteRuntime, type RemoteRuntime } from '../src/realtime/remote-runtime.js';

const SECRET = 'remote-secret-0123456789abcdef';
let runtime: Runtime;
let server: http.Server;
let url: string;
let remote: RemoteRuntime;

beforeAll(async () => {
  runtime = createRuntime({ verifyToken });
  server = http.createServer(toNodeListener(createRuntimeHandler(runtime, { secret: SECRET })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  remote = createRemoteRuntime({
    url,
    secret: SECRET,
    models: runtime.models(),
    capacity: runtime.capacity(),
  });
});
afterAll(async () => {
  await remote.close();
  await runtime.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const open = (sessionId: string, over: Record<string, unknown> = {}) =>
  remote.openSession({
    sessionId,
    model: 'echo',
    token: token(),
    origin: 'https://app.example',
    expiresAt: Date.now() + 60_000,
    ...over,
  });

describe('createRemoteRuntime', () => {
  it('reports the models and capacity it was given', () => {
    expect(remote.models().map((m) => m.name)).toEqual(['echo', 'render']);
    expect(remote.capacity()).toEqual({ sessions: 32, jobs: 2 });
  });

  it('opens a session and carries a real offer/answer to a browser peer over HTTP', async () => {
    const runtimeEvents = recordEvents(runtime);
    expect(await open('ses_r1')).toEqual({ ok: true, value: { expiresAt: expect.any(Number) } });
    const browser = new FakeBrowser();
    try {
      const ready = await browser.connect(remote, 'ses_r1');
      expect(ready).toMatchObject({ type: 'ready', sessionId: 'ses_r1', model: 'echo' });
      expect(await browser.command('ping')).toMatchObject({ ok: true, data: { pong: true } });
      await remote.closeSession('ses_r1', 'client_closed');
      expect(browser.messages.at(-1)).toEqual({ type: 'closing', reason: 'client_closed' });
      expect(await runtimeEvents.next('session-closed', 'ses_r1')).toMatchObject({
        reason: 'client_closed',
      });
    } finally {
      await browser.close();
    }
  });

  it("maps the runtime's refusals back to their codes and messages", async () => {
    expect(await open('ses_r2', { token: token({ models: ['render'] }) })).toEqual({
      ok: false,
      code: 'MODEL_NOT_ALLOWED',
      message: 'this session token does not allow model "echo" (it allows "render")',
    });
    expect(await remote.offer('ses_missing', 'v=0\r\n')).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    expect(await remote.offer('ses_missing', 'x'.repeat(70_000))).toMatchObject({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('validates and runs jobs', async () => {
    expect(await remote.validateJob('render', { prompt: 'x' })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await remote.validateJob('render', { prompt: 1 })).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^prompt: /),
    });
    const out = await remote.runJob({
      jobId: 'job_r1',
      model: 'render',
      token: token(),
      input: { prompt: 'x', width: 24, height: 24 },
    });
    if (!out.ok) throw new Error(out.code);
    expect(out.value.contentType).toBe('image/png');
    expect(readPng(out.value.body).height).toBe(24);
  });

  it('is UNAVAILABLE when the runtime cannot be reached or refuses the coordinator itself', async () => {
    const wrong = createRemoteRuntime({
      url,
      secret: 'stale-secret-000000000000',
      models: [],
      capacity: { sessions: 1, jobs: 1 },
    });
    expect(
      await wrong.openSession({
        sessionId: 'ses_x',
        model: 'echo',
        token: token(),
        origin: null,
        expiresAt: Date.now() + 1000,
      }),
    ).toEqual({
      ok: false,
      code: 'UNAVAILABLE',
      message: 'the runtime refused the coordinator (stale runtime secret)',
    });
    // A port nothing listens on: take one, then close it.
    const spare = http.createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const port = (spare.address() as AddressInfo).port;
    await new Promise((r) => spare.close(r));
    const gone = createRemoteRuntime({
      url: `http://127.0.0.1:${port}/runtime-host`,
      secret: SECRET,
      models: [],
      capacity: { sessions: 1, jobs: 1 },
    });
    expect(await gone.validateJob('render', {})).toEqual({
      ok: false,
      code: 'UNAVAILABLE',
      message: 'the runtime could not be reached',
    });
    await expect(gone.closeSession('ses_x', 'client_closed')).resolves.toBeUndefined();
  });

  it('is UNAVAILABLE when the answer is not the protocol', async () => {
    const fake = createRemoteRuntime({
      url,
      secret: SECRET,
      models: [],
      capacity: { sessions: 1, jobs: 1 },
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }),
    });
    expect(await fake.offer('ses_1', 'v=0')).toEqual({
      ok: false,
      code: 'UNAVAILABLE',
      message: 'the runtime answered HTTP 502',
    });
  });

  it('delivers reported events to its listeners and records heartbeat sessions', () => {
    const seen: RuntimeEvent[] = [];
    const off = remote.onEvent((e) => seen.push(e));
    const event: RuntimeEvent = { type: 'session-active', sessionId: 'ses_9', at: 1 };
    remote.deliver(event);
    off();
    remote.deliver(event);
    expect(seen).toEqual([event]);
    remote.setLiveSessions(['ses_9']);
    expect(remote.liveSessions()).toEqual(['ses_9']);
  });

  it('refuses bad options with a TypeError', () => {
    expect(() =>
      createRemoteRuntime({
        url: 'not a url',
        secret: SECRET,
        models: [],
        capacity: { sessions: 1, jobs: 1 },
      }),
    ).toThrow(TypeError);
    expect(() =>
      createRemoteRuntime({
        url: 'ftp://x',
        secret: SECRET,
        models: [],
        capacity: { sessions: 1, jobs: 1 },
      }),
    ).toThrow(TypeError);
  });
});
