// The backend token route, against a real Latchkey server: through Request/Response
// directly and through the node adapter on a real listening server, with the
// browser side (tokenFromRoute) reading its answers.
import { generateKey } from '@latchkey/core';
import { createVerifier, type TokenVerifier } from '@latchkey/core/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, LatchkeyError, tokenFromRoute } from '../src/index.js';
import { createTokenHandler, type TokenGrant, toNodeHandler } from '../src/server.js';
import { type Latchkey, listen, newKey, recordingServer, startLatchkey } from './helpers.js';

let lk: Latchkey;
let verify: TokenVerifier;
/** Every body the handler answered, to check none carries the key. */
const answered: string[] = [];

beforeAll(async () => {
  lk = await startLatchkey();
  verify = createVerifier({
    jwks: `${lk.url}/.well-known/jwks.json`,
    issuer: lk.url,
    audience: 'latchkey',
  });
});
afterAll(async () => {
  await lk?.close();
});

const userFromCookie = (request: Request) =>
  /(?:^|;\s*)session=(\w+)/.exec(request.headers.get('cookie') ?? '')?.[1];

function handlerFor(extra: Partial<Parameters<typeof createTokenHandler>[0]> = {}) {
  const errors: unknown[] = [];
  const platformCalls: string[] = [];
  const handler = createTokenHandler({
    apiKey: lk.key,
    baseUrl: lk.url,
    authorize: (request) => {
      const user = userFromCookie(request);
      return user ? { models: ['echo'], expiresIn: 900, metadata: { userId: user } } : null;
    },
    onError: (e) => errors.push(e),
    fetch: async (input, init) => {
      platformCalls.push(String(input));
      return fetch(input, init);
    },
    ...extra,
  });
  const call = async (init: RequestInit & { url?: string } = {}) => {
    const res = await handler(
      new Request(init.url ?? 'http://app.local/api/latchkey/token', { method: 'POST', ...init }),
    );
    const text = await res.text();
    answered.push(text);
    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, read by the assertions
    return { res, status: res.status, text, json: () => JSON.parse(text) as Record<string, any> };
  };
  return { handler, call, errors, platformCalls };
}

describe('createTokenHandler via Request/Response', () => {
  it('authorize null → 401 UNAUTHORIZED in the platform envelope, and the platform is not called', async () => {
    const h = handlerFor();
    const r = await h.call();
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: expect.stringMatching(/not signed in/),
        requestId: expect.stringMatching(/^req_/),
        // The refusal links to the platform's own error-code page.
        docs: `${lk.url}/docs/errors#UNAUTHORIZED`,
      },
    });
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    expect(r.res.headers.get('x-request-id')).toBe(r.json().error.requestId);
    expect(h.platformCalls).toEqual([]);
  });

  it('the grant from authorize is what the token carries; the browser cannot change it', async () => {
    const h = handlerFor();
    const r = await h.call({
      headers: { cookie: 'session=alice', 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['*'], expiresIn: 21600, metadata: { userId: 'admin' } }),
    });
    expect(r.status, r.text).toBe(200);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'tokenId']);
    const v = await verify(body.token);
    if (!v.ok) throw new Error(v.message);
    expect(v.grant.models).toEqual(['echo']);
    expect(v.grant.metadata).toEqual({ userId: 'alice' });
    expect(v.claims.exp - v.claims.iat).toBe(900);
    expect(v.claims.jti).toBe(body.tokenId);
    expect(r.res.headers.get('cache-control')).toBe('private, no-store');
    expect(r.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(h.platformCalls).toEqual([`${lk.url}/v1/tokens`]);
  });

  it('answers GET as well, and 405 with Allow for other methods', async () => {
    const h = handlerFor();
    expect((await h.call({ method: 'GET', headers: { cookie: 'session=bob' } })).status).toBe(200);
    const put = await h.call({ method: 'PUT', headers: { cookie: 'session=bob' } });
    expect(put.status).toBe(405);
    expect(put.res.headers.get('allow')).toBe('GET, POST');
    expect(put.json().error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('cache: true → private max-age just under the token life, with Vary; short tokens stay no-store', async () => {
    const cached = handlerFor({ cache: true });
    const r = await cached.call({ method: 'GET', headers: { cookie: 'session=carol' } });
    expect(r.status).toBe(200);
    const maxAge = Number(
      /^private, max-age=(\d+)$/.exec(r.res.headers.get('cache-control') ?? '')?.[1],
    );
    expect(maxAge).toBeGreaterThanOrEqual(900 - 120 - 2);
    expect(maxAge).toBeLessThanOrEqual(900 - 120);
    expect(r.res.headers.get('vary')).toBe('Cookie, Authorization');

    const short = handlerFor({ cache: true, authorize: () => ({ expiresIn: 150 }) });
    const s = await short.call({ method: 'GET' });
    expect(s.res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('authorize throwing, or returning a bad grant → opaque 500; the detail goes to onError', async () => {
    const throwing = handlerFor({
      authorize: () => {
        throw new Error('session store down: postgres://secret@db');
      },
    });
    const r = await throwing.call();
    expect(r.status).toBe(500);
    expect(r.json().error).toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringMatching(/see the server log/),
    });
    expect(r.text).not.toContain('secret');
    expect(String(throwing.errors[0])).toMatch(/session store down/);

    const bad = handlerFor({ authorize: () => ({ expiresIn: 'soon' }) as unknown as TokenGrant });
    const b = await bad.call();
    expect(b.status).toBe(500);
    expect(String(bad.errors[0])).toMatch(/authorize\(\) result: expiresIn must be a whole number/);
    expect(bad.platformCalls).toEqual([]);
  });

  it('a key the platform refuses → opaque 500 for the browser, the code for your log', async () => {
    const key = await newKey(lk);
    await lk.admin.revokeKey({ id: key.key.id, actor: 'sdk-test' });
    const h = handlerFor({ apiKey: key.secret, authorize: () => ({}) });
    const r = await h.call();
    expect(r.status).toBe(500);
    expect(r.json().error.code).toBe('INTERNAL_ERROR');
    expect(r.text).not.toContain(key.secret);
    expect(r.text).not.toContain('revoked');
    expect(h.errors[0]).toBeInstanceOf(LatchkeyError);
    expect(h.errors[0]).toMatchObject({ code: 'API_KEY_REVOKED', status: 401 });
    expect(String((h.errors[0] as Error).message)).not.toContain(key.secret);
  });

  it('a grant the platform refuses → 500, with INVALID_REQUEST naming the field in onError', async () => {
    const h = handlerFor({ authorize: () => ({ models: ['Bad Model'] }) });
    expect((await h.call()).status).toBe(500);
    expect(h.errors[0]).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^Models\.0/),
    });
  });

  it('passes a platform 429 on with its Retry-After, and answers 503 when the platform is unreachable', async () => {
    const stub = await recordingServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"error":{"code":"RATE_LIMITED","message":"slow down","requestId":"req_p"}}');
    });
    try {
      const limited = handlerFor({ baseUrl: stub.url, maxRetries: 0, authorize: () => ({}) });
      const r = await limited.call();
      expect(r.status).toBe(429);
      expect(r.res.headers.get('retry-after')).toBe('7');
      expect(r.json().error).toMatchObject({ code: 'RATE_LIMITED', requestId: 'req_p' });
    } finally {
      await stub.close();
    }
    const down = handlerFor({ baseUrl: 'http://127.0.0.1:1', authorize: () => ({}) });
    const d = await down.call();
    expect(d.status).toBe(503);
    expect(d.json().error.code).toBe('UNAVAILABLE');
    expect(d.res.headers.get('retry-after')).toBe('1');
    expect(down.errors[0]).toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('checks its options at construction', () => {
    const base = { apiKey: lk.key, authorize: () => null };
    expect(() => createTokenHandler({ apiKey: lk.key } as never)).toThrow(
      /createTokenHandler: authorize is required/,
    );
    expect(() => createTokenHandler({ ...base, authorize: 'yes' as never })).toThrow(
      /authorize must be a function/,
    );
    expect(() => createTokenHandler({ ...base, cache: 'yes' as never })).toThrow(
      /cache must be a boolean/,
    );
    expect(() => createTokenHandler({ ...base, token: 'x' } as never)).toThrow(
      /unknown option "token"/,
    );
    expect(() => createTokenHandler({ ...base, apiKey: generateKey('partner') })).toThrow(
      /partner key \(rp_\); only app keys \(rk_\) mint/,
    );
    expect(() => createTokenHandler({ ...base, apiKey: 'rk_x' })).toThrow(
      /createTokenHandler: apiKey is not a Latchkey key/,
    );
    expect(() => createTokenHandler({ ...base, baseUrl: 'nope' })).toThrow(
      /createTokenHandler: baseUrl must be an absolute URL/,
    );
    vi.stubEnv('LATCHKEY_API_KEY', '');
    try {
      expect(() => createTokenHandler({ authorize: () => null })).toThrow(
        /apiKey is required: pass it or set LATCHKEY_API_KEY/,
      );
      vi.stubEnv('LATCHKEY_API_KEY', lk.key);
      expect(typeof createTokenHandler({ authorize: () => null })).toBe('function');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('createTokenHandler via the node adapter on a real listening server', () => {
  let app: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    app = await listen(toNodeHandler(handlerFor().handler));
  });
  afterAll(() => app?.close());

  it('serves tokens to signed-in users and 401 to the rest', async () => {
    const ok = await fetch(`${app.url}/api/latchkey/token`, {
      method: 'POST',
      headers: { cookie: 'session=dave' },
    });
    const okText = await ok.text();
    answered.push(okText);
    expect(ok.status, okText).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    const v = await verify((JSON.parse(okText) as { token: string }).token);
    expect(v.ok && v.grant.metadata).toEqual({ userId: 'dave' });

    const no = await fetch(`${app.url}/api/latchkey/token`, { method: 'POST' });
    const noText = await no.text();
    answered.push(noText);
    expect(no.status).toBe(401);
    expect(JSON.parse(noText).error.code).toBe('UNAUTHORIZED');
  });

  it('tokenFromRoute reads it: a token for a session, UNAUTHORIZED (with what to do) without', async () => {
    const signedIn = tokenFromRoute(`${app.url}/api/latchkey/token`, {
      headers: { cookie: 'session=erin' },
    });
    const client = createClient({ baseUrl: lk.url, token: signedIn });
    const token = await client.getToken();
    const v = await verify(token);
    expect(v.ok && v.grant.metadata).toEqual({ userId: 'erin' });

    const anonymous = createClient({
      baseUrl: lk.url,
      token: tokenFromRoute(`${app.url}/api/latchkey/token`),
    });
    const e = await anonymous.getToken().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LatchkeyError);
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect((e as Error).message).toMatch(
      /^This request is not signed in to the app.*\. Sign in to the app first/,
    );
  });

  it('tokenFromRoute refuses a route that answers something else, and checks its options', async () => {
    const stub = await recordingServer();
    try {
      await expect(tokenFromRoute(stub.url)()).rejects.toMatchObject({
        code: 'INTERNAL_ERROR',
        message: expect.stringMatching(/answered without a token/),
      });
      expect(stub.requests[0]?.method).toBe('POST');
      await tokenFromRoute(stub.url, { method: 'GET' })().catch(() => undefined);
      expect(stub.requests[1]?.method).toBe('GET');
    } finally {
      await stub.close();
    }
    expect(() => tokenFromRoute('/api/latchkey/token')).toThrow(
      /tokenFromRoute: url must be absolute outside a browser/,
    );
    expect(() => tokenFromRoute('http://x/t', { method: 'PUT' as never })).toThrow(
      /method must be "GET" or "POST"/,
    );
    expect(() => tokenFromRoute('http://x/t', { headers: { Authorization: 'x' } })).toThrow(
      /must not set authorization/,
    );
  });

  it('a bad request target gets 400 from the adapter, not the handler', async () => {
    const { rawRequest } = await import('./helpers.js');
    const r = await rawRequest(
      app.port,
      'POST //evil.example/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe('INVALID_REQUEST');
  });
});

describe('the token route never answers with the key', () => {
  it('holds for every body this file saw', () => {
    expect(answered.length).toBeGreaterThan(5);
    for (const text of answered) expect(text).not.toContain(lk.key);
  });
});
