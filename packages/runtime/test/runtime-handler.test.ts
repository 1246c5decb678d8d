// The runtime HTTP protocol, runtime side: auth, routes, envelopes, bad input.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createRuntimeHandler } from '../src/runtime-handler.js';
import { token, verifyToken } from './helpers.js';
import { readPng } from './read-png.js';

const SECRET = 'runtime-secret-0123456789abcdef';
let runtime: Runtime;
let handle: (request: Request) => Promise<Response>;
beforeAll(() => {
  runtime = createRuntime({ verifyToken });
  handle = createRuntimeHandler(runtime, { secret: SECRET, maxBodyBytes: 32 * 1024 });
});
afterAll(() => runtime.close());

const call = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${SECRET}` },
) =>
  handle(
    new Request(`http://runtime.test${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
const envelope = async (res: Response) =>
  (await res.json()) as {
    error: { code: string; message: string; requestId: string; docs: string };
  };
const openBody = (over: Record<string, unknown> = {}) => ({
  sessionId: 'ses_h1',
  model: 'echo',
  token: token(),
  origin: null,
  expiresAt: Date.now() + 60_000,
  ...over,
});

describe('runtime handler auth', () => {
  it('refuses a missing or wrong secret with 401 INVALID_TOKEN in the envelope', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Basic ${SECRET}` },
      { authorization: `Bearer ${SECRET}x` },
    ]) {
      const res = await call('GET', '/sessions', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const { error } = await envelope(res);
      expect(error).toEqual({
        code: 'INVALID_TOKEN',
        message: expect.stringContaining('runtime secret'),
        requestId: expect.stringMatching(/^req_/),
        docs: `/docs/errors#INVALID_TOKEN`,
      });
      expect(res.headers.get('x-request-id')).toBe(error.requestId);
    }
  });

  it('answers /healthz without the secret', async () => {
    const res = await call('GET', '/healthz', undefined, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('refuses a secret too short to be one, at construction', () => {
    expect(() => createRuntimeHandler(runtime, { secret: 'short' })).toThrow(TypeError);
  });
});

describe('runtime handler bad input', () => {
  it('answers 400, never 500, to bodies that are not JSON or not the shape', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/sessions', '{not json'],
      ['POST', '/sessions', { sessionId: 'ses_1' }],
      ['POST', '/sessions', []],
      ['POST', '/sessions', openBody({ expiresAt: 'tomorrow' })],
      ['POST', '/sessions/ses_h1/offer', { sdp: 42 }],
      ['POST', '/jobs/validate', { input: {} }],
      ['POST', '/jobs', { jobId: 'job 1', model: 'render', token: 't', input: {} }],
      ['DELETE', '/sessions/ses_h1?reason=bored', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect((await envelope(res)).error.code).toBe('INVALID_REQUEST');
    }
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await call('POST', '/jobs', {
      model: 'render',
      input: { prompt: 'x'.repeat(40_000) },
    });
    expect(res.status).toBe(413);
    expect((await envelope(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 404 to unknown paths and 405 with Allow to wrong methods', async () => {
    expect((await call('GET', '/nope')).status).toBe(404);
    const res = await call('PUT', '/sessions');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('runtime handler routes', () => {
  it('opens a session, lists it, refuses a bad offer, closes it', async () => {
    const opened = await call('POST', '/sessions', openBody());
    expect(opened.status).toBe(200);
    expect(await opened.json()).toEqual({ expiresAt: expect.any(Number) });
    expect(await (await call('GET', '/sessions')).json()).toEqual({ sessions: ['ses_h1'] });
    const offer = await call('POST', '/sessions/ses_h1/offer', { sdp: 'hello' });
    expect(offer.status).toBe(400);
    expect((await envelope(offer)).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'sdp must start with v=0',
    });
    const closed = await call('DELETE', '/sessions/ses_h1?reason=key_revoked');
    expect(closed.status).toBe(204);
    expect(await (await call('GET', '/sessions')).json()).toEqual({ sessions: [] });
    expect(
      (await envelope(await call('POST', '/sessions/ses_h1/offer', { sdp: 'v=0\r\n' }))).error.code,
    ).toBe('SESSION_CLOSED');
  });

  it("answers the host's refusals with their codes and statuses", async () => {
    const res = await call(
      'POST',
      '/sessions',
      openBody({ sessionId: 'ses_h2', token: token({ models: ['render'] }) }),
    );
    expect(res.status).toBe(403);
    expect((await envelope(res)).error.code).toBe('MODEL_NOT_ALLOWED');
    const missing = await call('POST', '/sessions/ses_none/offer', { sdp: 'v=0\r\n' });
    expect(missing.status).toBe(404);
  });

  it('validates and runs jobs; the result is the bytes with their content type', async () => {
    expect(
      (await call('POST', '/jobs/validate', { model: 'render', input: { prompt: 'x' } })).status,
    ).toBe(204);
    const bad = await call('POST', '/jobs/validate', {
      model: 'render',
      input: { prompt: 'x', width: 1 },
    });
    expect(bad.status).toBe(400);
    expect((await envelope(bad)).error.message).toMatch(/^width: /);
    const res = await call('POST', '/jobs', {
      jobId: 'job_h1',
      model: 'render',
      token: token(),
      input: { prompt: 'x', width: 20, height: 20 },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(readPng(new Uint8Array(await res.arrayBuffer())).width).toBe(20);
  });

  it('works under a mount prefix, and keeps a sane caller request id', async () => {
    const res = await call('GET', '/runtime-host/sessions', undefined, {
      authorization: `Bearer ${SECRET}`,
      'x-request-id': 'req_from_coordinator',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req_from_coordinator');
  });
});
