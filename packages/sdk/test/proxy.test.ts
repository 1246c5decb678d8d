// The proxy's security suite, on real listening servers: the proxy (node adapter),
// a stand-in platform that records what it is sent, and "another host" that must
// never hear from the proxy at all. Then once through the real Latchkey server.
import type http from 'node:http';
import { generateKey } from '@latchkey/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LatchkeyError } from '../src/index.js';
import {
  createProxyHandler,
  DEFAULT_PROXY_ALLOW,
  type ProxyOperation,
  toNodeHandler,
} from '../src/server.js';
import {
  type Latchkey,
  listen,
  type RawResponse,
  type RecordingServer,
  rawRequest,
  recordingServer,
  startLatchkey,
} from './helpers.js';

const KEY = generateKey('app');
const SESSION = 'sess_good';
const BODY_LIMIT = 1024;

let platform: RecordingServer;
let otherHost: RecordingServer;
let mounted: Awaited<ReturnType<typeof listen>>;
let atRoot: Awaited<ReturnType<typeof listen>>;
const decisions: ProxyOperation[] = [];
const errors: unknown[] = [];
/** Everything any proxy sent back to a client, to check the key never appears there. */
const toClients: string[] = [];
let releaseSecondChunk: () => void = () => undefined;

function platformResponder(
  req: { method: string; url: string; body: string },
  res: http.ServerResponse,
) {
  if (req.url.endsWith('/result')) {
    // A streamed result: the second chunk is written only after the test has read the first.
    res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'req_stream' });
    res.write('part-1;');
    return new Promise<void>((resolve) => {
      releaseSecondChunk = () => {
        res.end('part-2');
        resolve();
      };
    });
  }
  res.writeHead(202, {
    'content-type': 'application/json',
    'x-request-id': 'req_platform',
    etag: '"v1"',
    'set-cookie': ['platform_session=leak; Path=/', 'other=1'],
    connection: 'x-internal',
    'x-internal': 'upstream-only',
    'www-authenticate': 'Bearer realm="platform"',
    location: 'http://127.0.0.1:1/elsewhere',
    'x-powered-by': 'platform',
    'content-language': 'en',
  });
  res.end(JSON.stringify({ method: req.method, url: req.url, bytes: Buffer.byteLength(req.body) }));
}

const authorize = (request: Request, operation: ProxyOperation) => {
  decisions.push(operation);
  const cookie = request.headers.get('cookie') ?? '';
  return cookie.includes(`session=${SESSION}`) ? { endUser: 'user_42' } : null;
};

beforeAll(async () => {
  platform = await recordingServer(platformResponder);
  otherHost = await recordingServer();
  const common = {
    apiKey: KEY,
    baseUrl: platform.url,
    authorize,
    maxBodyBytes: BODY_LIMIT,
    onError: (e: unknown) => errors.push(e),
  };
  mounted = await listen(
    toNodeHandler(createProxyHandler({ ...common, basePath: '/api/latchkey' })),
  );
  atRoot = await listen(toNodeHandler(createProxyHandler(common)));
});

afterAll(async () => {
  await Promise.all([platform?.close(), otherHost?.close(), mounted?.close(), atRoot?.close()]);
});

const O = () => `127.0.0.1:${otherHost.port}`;

/** Raw request through the proxy, recorded for the key scan. */
async function raw(port: number, target: string, extra = ''): Promise<RawResponse> {
  const r = await rawRequest(
    port,
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: session=${SESSION}\r\n${extra}Connection: close\r\n\r\n`,
  );
  toClients.push(r.head, r.body);
  return r;
}

async function viaFetch(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  toClients.push(text, JSON.stringify([...res.headers]));
  return { res, status: res.status, text };
}

const cookie = { cookie: `session=${SESSION}` };

const MARKER = '/__marker__';

/** The platform requests that arrived while `fn` ran. */
async function platformRequestsDuring(fn: () => Promise<unknown>) {
  const before = platform.requests.length;
  await fn();
  // A barrier instead of a pause: a marker sent straight to the platform once `fn` has
  // its answers. The proxy answers only after its own upstream request, so anything it
  // forwarded is recorded before the marker is answered.
  await (await fetch(platform.url + MARKER)).text();
  const marker = platform.requests.findIndex((r) => r.url === MARKER);
  if (marker >= 0) platform.requests.splice(marker, 1);
  return platform.requests.slice(before);
}

/**
 * Path-trick payloads, as raw request targets. `{O}` is the other host. Each is
 * sent to the proxy mounted at /api/latchkey (prefixed) and at the root (as is).
 */
const PAYLOADS: { name: string; target: string }[] = [
  { name: 'protocol-relative //host', target: '//{O}/x' },
  { name: 'protocol-relative //host to an allowed shape', target: '//{O}/v1/jobs/abc' },
  { name: 'absolute URL in the path', target: '/http://{O}/x' },
  { name: 'absolute URL, encoded', target: '/http%3A%2F%2F{O}%2Fx' },
  { name: 'backslashes \\\\host', target: '/\\\\{O}\\x' },
  { name: '/\\host', target: '/\\{O}/x' },
  { name: 'backslash segments', target: '/v1\\jobs\\abc' },
  { name: '.. segments', target: '/v1/jobs/../../v1/tokens' },
  { name: '.. above the mount', target: '/../v1/tokens' },
  { name: '. segment', target: '/./v1/jobs/abc' },
  { name: '%2e%2e', target: '/v1/jobs/%2e%2e/%2e%2e/v1/tokens' },
  { name: '%2E%2e mixed case', target: '/v1/jobs/%2E%2e' },
  {
    name: '%252e%252e double-encoded',
    target: '/v1/jobs/%252e%252e%252f%252e%252e%252fv1%252ftokens',
  },
  { name: '%2f%2f encoded //host', target: '/%2f%2f{O}%2fx' },
  { name: '%2f inside a param', target: '/v1/jobs/abc%2f..%2f..%2ftokens' },
  { name: '%5c encoded backslash', target: '/%5c%5c{O}%5cx' },
  { name: '%5c inside a param', target: '/v1/jobs/..%5c..%5ctokens' },
  { name: '@host', target: '/@{O}/x' },
  { name: '@host inside a param', target: '/v1/jobs/x@{O}' },
  { name: 'userinfo user:pass@host', target: '/user:pass@{O}/x' },
  { name: 'CRLF %0d%0a header injection', target: '/v1/jobs/abc%0d%0aHost:%20{O}' },
  { name: 'CRLF in the query', target: '/v1/jobs/abc?x=%0d%0aHost:%20{O}' },
  { name: '%00 NUL', target: '/v1/jobs/abc%00.evil' },
  { name: 'unicode dots (ideographic full stop)', target: '/v1/jobs/%E3%80%82%E3%80%82/tokens' },
  { name: 'unicode dots (fullwidth full stop)', target: '/v1/jobs/%EF%BC%8E%EF%BC%8E/tokens' },
  {
    name: 'unicode dots, raw UTF-8 bytes',
    target: '/v1/jobs/\u00ef\u00bc\u008e\u00ef\u00bc\u008e/tokens',
  },
  { name: 'semicolon path parameter', target: '/v1/jobs/abc;@{O}' },
  { name: 'fragment', target: '/v1/jobs/abc#@{O}' },
  { name: 'query: @host', target: '/v1/jobs/abc?@{O}/' },
  { name: 'query: url=http://host', target: '/v1/jobs/abc?url=http://{O}/x' },
  { name: 'query: /../ climbing', target: '/v1/jobs/abc?/../../v1/tokens' },
  { name: 'overly long path (600)', target: `/v1/jobs/${'a'.repeat(600)}` },
  { name: 'overly long path (8000)', target: `/v1/jobs/abc/${'a/'.repeat(4000)}` },
  { name: 'decimal IP host', target: '//2130706433:{PORT}/x' },
  { name: 'IPv6 loopback host', target: '//[::1]:{PORT}/x' },
  { name: 'trailing slash', target: '/v1/jobs/abc/' },
  { name: 'empty segment', target: '/v1//jobs/abc' },
  { name: 'token minting', target: '/v1/tokens' },
  { name: 'token minting, upper case', target: '/v1/TOKENS' },
  { name: 'key management', target: '/v1/keys' },
];

const expand = (t: string) => t.replaceAll('{O}', O()).replaceAll('{PORT}', String(otherHost.port));

/**
 * Raw request lines a URL cannot carry. A bare newline ends the request line for
 * node's parser, so that one becomes a plain GET of an allowed job path whose
 * injected "Host" the proxy ignores: it may reach the platform, and only there.
 */
const RAW_ONLY: { name: string; line: string; platformMayGet?: string }[] = [
  { name: 'tab in the path', line: 'GET /api/latchkey/v1/jo\tbs/abc HTTP/1.1' },
  {
    name: 'newline in the path',
    line: 'GET /api/latchkey/v1/jobs/abc\nHost: {O} HTTP/1.1',
    platformMayGet: '/v1/jobs/abc',
  },
  {
    name: 'newline before a second path',
    line: 'GET /api/latchkey/v1/jobs/abc\n/../../v1/tokens HTTP/1.1',
  },
  { name: 'absolute-form request line', line: 'GET http://{O}/v1/jobs/abc HTTP/1.1' },
  {
    name: 'absolute-form to the proxy itself',
    line: 'GET http://127.0.0.1:{SELF}/api/latchkey/v1/jobs/abc HTTP/1.1',
  },
];

/** The outcome of every payload, printed at the end for the record. */
const outcomes: string[] = [];

describe('proxy: path tricks never reach another host', () => {
  for (const mount of ['/api/latchkey', ''] as const) {
    it(`every payload is refused (mounted at "${mount || '/'}"), and the other host hears nothing`, async () => {
      const port = mount ? mounted.port : atRoot.port;
      for (const p of PAYLOADS) {
        const target = mount + expand(p.target);
        const sent = await platformRequestsDuring(async () => {
          const r = await raw(port, target);
          outcomes.push(`${mount || '/'} ${p.name}: ${r.status}`);
          expect(r.status, `${p.name}: ${target}`).toBeGreaterThanOrEqual(400);
          expect(r.status, `${p.name}: ${target}`).toBeLessThan(500);
        });
        expect(sent, `${p.name} reached the platform`).toEqual([]);
      }
      expect(otherHost.connections).toBe(0);
      expect(otherHost.requests).toEqual([]);
    });
  }

  it('raw request lines with tab, newline or an absolute-form target are refused', async () => {
    for (const p of RAW_ONLY) {
      const line = p.line.replaceAll('{O}', O()).replaceAll('{SELF}', String(mounted.port));
      const sent = await platformRequestsDuring(async () => {
        const r = await rawRequest(
          mounted.port,
          `${line}\r\nHost: 127.0.0.1:${mounted.port}\r\nCookie: session=${SESSION}\r\nConnection: close\r\n\r\n`,
        );
        toClients.push(r.head, r.body);
        outcomes.push(`raw ${p.name}: ${r.status}`);
        if (!p.platformMayGet) expect(r.status, p.name).toBe(400);
      });
      if (p.platformMayGet && sent.length > 0)
        expect(
          sent.map((r) => r.url),
          p.name,
        ).toEqual([p.platformMayGet]);
      else expect(sent, p.name).toEqual([]);
    }
    expect(otherHost.connections).toBe(0);
  });

  it('the same payloads given straight to the Web handler (no node adapter) are refused too', async () => {
    const seen: string[] = [];
    const handler = createProxyHandler({
      apiKey: KEY,
      baseUrl: platform.url,
      basePath: '/api/latchkey',
      authorize: () => true,
      fetch: async (input) => {
        seen.push(String(input));
        return new Response('{}', { status: 200 });
      },
    });
    let accepted = 0;
    for (const p of PAYLOADS) {
      let request: Request;
      try {
        request = new Request(`http://proxy.local/api/latchkey${expand(p.target)}`);
      } catch {
        continue; // not even a valid URL: no runtime would hand it to the handler
      }
      const res = await handler(request);
      const forwarded = seen.length > accepted;
      if (forwarded) {
        accepted = seen.length;
        // URL parsing resolved the trick into a plain allowed path on the platform.
        expect(
          seen.at(-1)?.startsWith(`${platform.url}/v1/jobs/`),
          `${p.name}: ${seen.at(-1)}`,
        ).toBe(true);
        outcomes.push(
          `web ${p.name}: normalised by URL parsing to ${new URL(seen.at(-1) as string).pathname}`,
        );
      } else {
        expect(res.status, p.name).toBeGreaterThanOrEqual(400);
        outcomes.push(`web ${p.name}: ${res.status}`);
      }
    }
    for (const url of seen) expect(new URL(url).origin).toBe(platform.url);
    expect(otherHost.connections).toBe(0);
  });

  it('a hostile Host or X-Forwarded-Host header does not move the upstream', async () => {
    const sent = await platformRequestsDuring(async () => {
      const r = await raw(
        mounted.port,
        '/api/latchkey/v1/jobs/job_1',
        `X-Forwarded-Host: ${O()}\r\nForwarded: host=${O()}\r\n`,
      );
      expect(r.status).toBe(202);
      const r2 = await rawRequest(
        mounted.port,
        `GET /api/latchkey/v1/jobs/job_2 HTTP/1.1\r\nHost: ${O()}\r\nCookie: session=${SESSION}\r\nConnection: close\r\n\r\n`,
      );
      toClients.push(r2.head, r2.body);
      expect(r2.status).toBe(202);
    });
    expect(sent.map((r) => r.url)).toEqual(['/v1/jobs/job_1', '/v1/jobs/job_2']);
    expect(otherHost.connections).toBe(0);
  });
});

describe('proxy: only allow-listed operations', () => {
  it.each([
    ['POST', '/v1/tokens', 404],
    ['GET', '/v1/tokens', 404],
    ['GET', '/v1/keys', 404],
    ['POST', '/v1/keys', 404],
    ['DELETE', '/v1/keys/key_123', 404],
    ['POST', '/v1/keys/key_123/rotate', 404],
    ['GET', '/v1/whoami', 404],
    ['POST', '/v1/registry/credentials', 404],
    ['GET', '/.well-known/jwks.json', 400],
    ['GET', '/v1/jobs', 404],
    ['POST', '/v1/jobs/abc/cancel', 404],
    ['DELETE', '/v1/jobs/abc', 405],
    ['GET', '/v1/generate/echo', 405],
    ['PUT', '/v1/jobs/abc', 405],
  ])('%s %s → %i, nothing forwarded', async (method, path, status) => {
    const sent = await platformRequestsDuring(async () => {
      const r = await viaFetch(`${mounted.url}/api/latchkey${path}`, { method, headers: cookie });
      expect(r.status).toBe(status);
      const body = JSON.parse(r.text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(
        status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : 'INVALID_REQUEST',
      );
      if (status === 405) expect(r.res.headers.get('allow')).toMatch(/^(GET|POST)(, (GET|POST))?$/);
      if (status === 404)
        expect(body.error.message).toContain('it forwards only POST /v1/generate/{model}');
    });
    expect(sent).toEqual([]);
  });

  it('forwards the default batch-job operations to the platform with the key and the end user', async () => {
    const sent = await platformRequestsDuring(async () => {
      for (const [method, path] of [
        ['POST', '/v1/generate/echo'],
        ['POST', '/v1/jobs/whisper-1'],
        ['GET', '/v1/jobs/job_123'],
      ] as const) {
        const r = await viaFetch(`${mounted.url}/api/latchkey${path}?wait=30`, {
          method,
          headers: { ...cookie, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"input":"hi"}' } : {}),
        });
        expect(r.status, path).toBe(202);
        expect(JSON.parse(r.text)).toMatchObject({ method, url: `${path}?wait=30` });
      }
    });
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/generate/echo?wait=30',
      'POST /v1/jobs/whisper-1?wait=30',
      'GET /v1/jobs/job_123?wait=30',
    ]);
    for (const r of sent) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.headers['latchkey-end-user']).toBe('user_42');
    }
    expect(decisions.at(-1)).toEqual({
      method: 'GET',
      path: '/v1/jobs/job_123',
      route: 'GET /v1/jobs/{id}',
      params: { id: 'job_123' },
    });
  });

  it('authorize null → 401 UNAUTHORIZED, nothing forwarded', async () => {
    const sent = await platformRequestsDuring(async () => {
      const r = await viaFetch(`${mounted.url}/api/latchkey/v1/jobs/job_1`, {
        headers: { cookie: 'session=stolen' },
      });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text).error.code).toBe('UNAUTHORIZED');
      expect(r.res.headers.get('cache-control')).toBe('no-store');
    });
    expect(sent).toEqual([]);
  });

  it('refuses dangerous allow-lists and options at construction', () => {
    const base = { apiKey: KEY, baseUrl: platform.url, authorize: () => true };
    for (const [allow, message] of [
      [['POST /v1/tokens'], /never forwards \/v1\/tokens/],
      [['GET /V1/Tokens'], /never forwards \/v1\/tokens/],
      [['DELETE /v1/keys/{id}'], /never forwards \/v1\/keys/],
      [['GET /v1/whoami'], /never forwards \/v1\/whoami/],
      [['POST /v1/registry/credentials'], /never forwards \/v1\/registry/],
      [['GET /admin/orgs'], /never forwards \/admin/],
      [['GET v1/jobs'], /must look like "GET \/v1\/jobs\/\{id\}"/],
      [['GET /v1/../tokens'], /not a valid path segment/],
      [['GET /{id}/x'], /first segment must be fixed/],
      [['FETCH /v1/jobs'], /the method must be one of/],
      [['GET /v1/jobs/{id}/{id}'], /appears twice/],
    ] as const)
      expect(
        () => createProxyHandler({ ...base, allow: allow as unknown as string[] }),
        allow[0],
      ).toThrow(message);
    expect(() => createProxyHandler({ ...base, requestHeaders: ['Cookie'] })).toThrow(
      /never forwards cookie/,
    );
    expect(() => createProxyHandler({ ...base, requestHeaders: ['authorization'] })).toThrow(
      TypeError,
    );
    expect(() => createProxyHandler({ ...base, responseHeaders: ['set-cookie'] })).toThrow(
      /never forwards set-cookie/,
    );
    expect(() => createProxyHandler({ ...base, basePath: '/api/../x' })).toThrow(
      /basePath must be a plain path/,
    );
    expect(() => createProxyHandler({ ...base, baseUrl: 'http://u:p@platform' })).toThrow(
      /user name or password/,
    );
    expect(() => createProxyHandler({ apiKey: KEY, baseUrl: platform.url } as never)).toThrow(
      /authorize is required/,
    );
    expect(() => createProxyHandler({ ...base, apiKey: 'rk_nope' })).toThrow(
      /apiKey is not a Latchkey key/,
    );
    expect(DEFAULT_PROXY_ALLOW).toEqual([
      'POST /v1/generate/{model}',
      'POST /v1/jobs/{model}',
      'GET /v1/jobs/{id}',
      'GET /v1/jobs/{id}/result',
    ]);
  });
});

describe('proxy: headers, bodies, streaming', () => {
  it('forwards only safe request headers, and replaces credentials with the key', async () => {
    const sent = await platformRequestsDuring(async () => {
      const r = await rawRequest(
        mounted.port,
        [
          'POST /api/latchkey/v1/generate/echo HTTP/1.1',
          `Host: 127.0.0.1:${mounted.port}`,
          `Cookie: session=${SESSION}; other=1`,
          'Authorization: Bearer users-own-token',
          'X-API-Key: rk_from_the_browser',
          'Proxy-Authorization: Basic abc',
          'Connection: close, x-hop',
          'X-Hop: hop-by-hop',
          'Keep-Alive: timeout=5',
          'TE: trailers',
          'Upgrade: websocket',
          'X-Forwarded-For: 10.0.0.1',
          'Forwarded: for=10.0.0.1',
          'Origin: https://app.example.com',
          'Referer: https://app.example.com/page',
          'Latchkey-End-User: spoofed',
          'Accept: application/json',
          'Accept-Language: en',
          'Idempotency-Key: idem_1',
          'Content-Type: application/json',
          'Content-Length: 2',
          '',
          '{}',
        ].join('\r\n'),
      );
      toClients.push(r.head, r.body);
      expect(r.status).toBe(202);
    });
    expect(sent).toHaveLength(1);
    const h = (sent[0] as { headers: http.IncomingHttpHeaders }).headers;
    expect(h.authorization).toBe(`Bearer ${KEY}`);
    expect(h['latchkey-end-user']).toBe('user_42');
    expect(h['idempotency-key']).toBe('idem_1');
    expect(h['content-type']).toBe('application/json');
    expect(h.accept).toBe('application/json');
    expect(h['accept-language']).toBe('en');
    for (const name of [
      'cookie',
      'x-api-key',
      'proxy-authorization',
      'x-hop',
      'keep-alive',
      'te',
      'upgrade',
      'x-forwarded-for',
      'forwarded',
      'origin',
      'referer',
    ])
      expect(h[name], name).toBeUndefined();
  });

  it('passes back only safe response headers: no Set-Cookie, hop-by-hop, auth challenges or Location', async () => {
    const r = await viaFetch(`${mounted.url}/api/latchkey/v1/jobs/job_9`, { headers: cookie });
    expect(r.status).toBe(202);
    const names = [...r.res.headers.keys()].sort();
    for (const name of ['set-cookie', 'x-internal', 'www-authenticate', 'location', 'x-powered-by'])
      expect(names, name).not.toContain(name);
    expect(r.res.headers.get('x-request-id')).toBe('req_platform');
    expect(r.res.headers.get('etag')).toBe('"v1"');
    expect(r.res.headers.get('content-language')).toBe('en');
    expect(r.res.headers.get('cache-control')).toBe('private, no-store');
    expect(r.res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('limits the body: by Content-Length before reading, and mid-stream for chunked bodies', async () => {
    const url = `${mounted.url}/api/latchkey/v1/generate/echo`;
    const sent = await platformRequestsDuring(async () => {
      const big = await viaFetch(url, {
        method: 'POST',
        headers: cookie,
        body: 'x'.repeat(BODY_LIMIT + 1),
      });
      expect(big.status).toBe(413);
      expect(JSON.parse(big.text).error.code).toBe('PAYLOAD_TOO_LARGE');
      const chunked = await viaFetch(url, {
        method: 'POST',
        headers: cookie,
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('y'.repeat(300)));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
    });
    expect(sent).toEqual([]);
    const fits = await platformRequestsDuring(async () => {
      const ok = await viaFetch(url, {
        method: 'POST',
        headers: cookie,
        body: 'z'.repeat(BODY_LIMIT),
      });
      expect(ok.status).toBe(202);
      expect(JSON.parse(ok.text).bytes).toBe(BODY_LIMIT);
    });
    expect(fits).toHaveLength(1);
  });

  it('streams the response: the first chunk arrives before the platform has finished', async () => {
    const res = await fetch(`${mounted.url}/api/latchkey/v1/jobs/job_7/result`, {
      headers: cookie,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req_stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('part-1;')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended before the first chunk');
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('part-1;');
    releaseSecondChunk();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('part-1;part-2');
  });

  it('answers 503 when the platform is down, without detail', async () => {
    const down = await listen(
      toNodeHandler(
        createProxyHandler({
          apiKey: KEY,
          baseUrl: 'http://127.0.0.1:1',
          authorize: () => true,
          onError: (e) => errors.push(e),
        }),
      ),
    );
    try {
      const r = await viaFetch(`${down.url}/v1/jobs/job_1`);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).error).toMatchObject({
        code: 'UNAVAILABLE',
        message: 'the platform could not be reached',
      });
      expect(r.res.headers.get('retry-after')).toBe('1');
    } finally {
      await down.close();
    }
  });
});

describe('proxy: through the real Latchkey server', () => {
  let lk: Latchkey;
  let proxy: Awaited<ReturnType<typeof listen>>;
  const upstream: { url: string; authorization: string | null }[] = [];

  beforeAll(async () => {
    lk = await startLatchkey();
    proxy = await listen(
      toNodeHandler(
        createProxyHandler({
          apiKey: lk.key,
          baseUrl: lk.url,
          basePath: '/api/latchkey',
          authorize: () => ({ endUser: 'u_1' }),
          fetch: async (input, init) => {
            upstream.push({
              url: String(input),
              authorization: new Headers(init?.headers).get('authorization'),
            });
            return fetch(input, init);
          },
        }),
      ),
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await lk?.close();
  });

  it('refuses token minting without calling the platform', async () => {
    const r = await viaFetch(`${proxy.url}/api/latchkey/v1/tokens`, { method: 'POST' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.code).toBe('NOT_FOUND');
    expect(upstream).toEqual([]);
    const client = createClient({ proxy: `${proxy.url}/api/latchkey` });
    const e = await client.whoami().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LatchkeyError);
    expect(e).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(upstream).toEqual([]);
  });

  it("forwards an allowed path with the key and streams back the platform's own answer", async () => {
    const r = await viaFetch(`${proxy.url}/api/latchkey/v1/jobs/job_123`);
    expect(upstream).toEqual([
      { url: `${lk.url}/v1/jobs/job_123`, authorization: `Bearer ${lk.key}` },
    ]);
    // No such job: the platform's own 404 envelope comes back as is.
    expect(r.status).toBe(404);
    const body = JSON.parse(r.text) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toMatch(/job_123/);
    expect(r.res.headers.get('x-request-id')).toBe(body.error.requestId);
    expect(r.text).not.toContain(lk.key);
  });
});

describe('proxy: the key stays put', () => {
  it('no response to a client carried the key, and the other host never had a connection', () => {
    for (const text of toClients) expect(text).not.toContain(KEY);
    expect(otherHost.connections).toBe(0);
    expect(otherHost.raw()).toBe('');
    expect(platform.requests.length).toBeGreaterThan(0);
    for (const r of platform.requests) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    // For the record (the closing note lists them).
    if (process.env.LATCHKEY_PRINT_PAYLOADS) console.log(outcomes.join('\n'));
  });
});
