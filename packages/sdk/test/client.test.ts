// The client against a real Latchkey server on a fresh PGlite: tokens, every error
// the server can produce, retries, the token resolver, abort and timeout.
import { generateKey } from '@latchkey/core';
import { createVerifier } from '@latchkey/core/node';
import { createMemoryRateLimiter, type RateLimiter, systemClock } from '@latchkey/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, ERROR_CODES, LatchkeyError, SDK_ERROR_CODES } from '../src/index.js';
import {
  closedPort,
  type Latchkey,
  newKey,
  type RecordingServer,
  recordingServer,
  silentServer,
  startLatchkey,
} from './helpers.js';

/** The server's clock: real time plus an offset the tests can move (for key expiry). */
let clockOffset = 0;
const clock = { now: () => systemClock.now() + clockOffset };

/** Faults injected into the rate limiter: how the real server meets a dead Redis or a bug. */
const limiterFaults: Error[] = [];
const realLimiter = createMemoryRateLimiter(clock);
const faultyLimiter: RateLimiter = {
  async take(key, limit) {
    const fault = limiterFaults.shift();
    if (fault) throw fault;
    return realLimiter.take(key, limit);
  },
  peek: (key, limit) => realLimiter.peek(key, limit),
  close: () => realLimiter.close(),
};

let lk: Latchkey;

beforeAll(async () => {
  lk = await startLatchkey({ LATCHKEY_MINT_RATE_PER_KEY: '1' }, { clock, limiter: faultyLimiter });
});
afterAll(async () => {
  await lk?.close();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  clockOffset = 0;
  limiterFaults.length = 0;
});

/** A fetch that records each attempt's status (0 for a network failure) and can rewrite requests. */
function countingFetch(rewrite: (init: RequestInit) => RequestInit = (i) => i) {
  const statuses: number[] = [];
  const fn: typeof fetch = async (input, init) => {
    try {
      const res = await fetch(input, rewrite({ ...init }));
      statuses.push(res.status);
      return res;
    } catch (error) {
      statuses.push(0);
      throw error;
    }
  };
  return { fetch: fn, statuses };
}

const withHeaders = (edit: (h: Headers) => void) => (init: RequestInit) => {
  const headers = new Headers(init.headers);
  edit(headers);
  return { ...init, headers };
};

async function expectLatchkeyError(
  promise: Promise<unknown>,
  expected: { code: string; status: number; message: RegExp; requestId?: boolean; docs?: string },
): Promise<LatchkeyError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${expected.code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  expect(error).toBeInstanceOf(Error);
  const e = error as LatchkeyError;
  expect({ code: e.code, status: e.status }).toEqual({
    code: expected.code,
    status: expected.status,
  });
  expect(e.name).toBe('LatchkeyError');
  expect(e.message).toMatch(expected.message);
  expect(e.stack).toContain('LatchkeyError');
  expect(e.docs).toBe(expected.docs);
  const fix = (ERROR_CODES as Record<string, { fix: string }>)[expected.code]?.fix;
  if (fix) expect(e.message).toContain(fix);
  if (expected.requestId !== false) expect(e.requestId).toMatch(/^req_[0-9A-Za-z]{22}$/);
  return e;
}

describe('createClient: options are checked at once', () => {
  const key = generateKey('app');
  it.each([
    [{ apiKey: 123 }, /createClient: apiKey must be a string/],
    [
      { apiKey: 'rk_short' },
      /createClient: apiKey is not a Latchkey key: a key is 41 characters long/,
    ],
    [{ apiKey: `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` }, /checksum does not match/],
    [{ apiKey: key, proxy: 'http://127.0.0.1:1/api' }, /apiKey together with proxy is refused/],
    [
      { token: 'a.b.c', proxy: 'http://127.0.0.1:1/api' },
      /pass one of apiKey, token or proxy, not token and proxy/,
    ],
    [{ apiKey: key, token: 'a.b.c' }, /not apiKey and token/],
    [{ apiKey: key, baseUrl: 'ftp://example.com' }, /baseUrl must use http: or https:/],
    [{ apiKey: key, baseUrl: 'latchkey.example.com' }, /baseUrl must be an absolute URL/],
    [
      { apiKey: key, baseUrl: 'http://me:pw@example.com' },
      /baseUrl must not carry a user name or password/,
    ],
    [
      { apiKey: key, baseUrl: 'http://example.com/?x=1' },
      /baseUrl must not have a query or fragment/,
    ],
    [{ proxy: '/api/latchkey' }, /proxy must be an absolute URL/],
    [
      { proxy: 'http://a.example/api', baseUrl: 'http://b.example' },
      /pass proxy or baseUrl, not both/,
    ],
    [{ apiKey: key, timeoutMs: 0 }, /timeoutMs must be a number from 1/],
    [{ apiKey: key, timeoutMs: Number.NaN }, /timeoutMs must be a number/],
    [{ apiKey: key, maxRetries: 1.5 }, /maxRetries must be a whole number from 0 to 10/],
    [{ apiKey: key, maxRetries: 11 }, /maxRetries must be a whole number from 0 to 10/],
    [{ apiKey: key, fetch: 'fetch' }, /fetch must be a function/],
    [{ apikey: key }, /unknown option "apikey"; did you mean "apiKey"\?/],
    [{ apiKey: key, baseURL: 'http://x' }, /unknown option "baseURL"; did you mean "baseUrl"\?/],
    [{ token: 42 }, /token must be a session token string or a function/],
    [{ token: key }, /token: this is an API key, not a session token/],
    [{ token: 'has space' }, /token: the token has spaces/],
    [{ apiKey: key, dangerouslyAllowBrowser: 'yes' }, /dangerouslyAllowBrowser must be a boolean/],
    ['rk_', /createClient: options must be an object/],
  ])('%j → TypeError', (options, message) => {
    expect(() => createClient(options as never)).toThrow(TypeError);
    expect(() => createClient(options as never)).toThrow(message);
  });

  it('falls back to LATCHKEY_API_KEY and LATCHKEY_BASE_URL where process.env exists', async () => {
    vi.stubEnv('LATCHKEY_API_KEY', lk.key);
    vi.stubEnv('LATCHKEY_BASE_URL', `${lk.url}/`);
    const client = createClient();
    expect(client.baseUrl).toBe(lk.url);
    expect(client.auth).toBe('apiKey');
    const me = await client.whoami();
    expect(me.org).toMatchObject({ id: lk.orgId, slug: 'dev' });
    expect(me.key).toMatchObject({ kind: 'app', display: `rk_…${lk.key.slice(-4)}` });
  });

  it('names the variable when the key from the environment is malformed, and asks for one when there is none', () => {
    vi.stubEnv('LATCHKEY_API_KEY', 'rk_typo');
    expect(() => createClient()).toThrow(/apiKey \(from LATCHKEY_API_KEY\) is not a Latchkey key/);
    vi.stubEnv('LATCHKEY_API_KEY', '');
    expect(() => createClient()).toThrow(/no credentials: pass apiKey or set LATCHKEY_API_KEY/);
  });

  it('uses the default base URL, and does not pick up the env key when a token is given', () => {
    vi.stubEnv('LATCHKEY_API_KEY', lk.key);
    vi.stubEnv('LATCHKEY_BASE_URL', '');
    const client = createClient({ token: 'a.b.c' });
    expect(client.auth).toBe('token');
    expect(client.baseUrl).toBe('http://127.0.0.1:8787');
  });

  it('refuses key-only calls on token and proxy clients, and getToken on key clients', async () => {
    const tokenClient = createClient({ token: 'a.b.c', baseUrl: lk.url });
    await expect(tokenClient.tokens.create()).rejects.toThrow(
      /tokens.create needs an API key, and this client holds a session token/,
    );
    await expect(tokenClient.whoami()).rejects.toThrow(TypeError);
    const proxyClient = createClient({ proxy: `${lk.url}/api/latchkey` });
    await expect(proxyClient.tokens.create()).rejects.toThrow(/the proxy never forwards it/);
    await expect(createClient({ apiKey: lk.key }).getToken()).rejects.toThrow(
      /getToken: this client authenticates with an API key/,
    );
  });

  it('checks the grant before sending it', async () => {
    const client = createClient({ apiKey: lk.key, baseUrl: lk.url });
    await expect(client.tokens.create({ expiresIn: 0 })).rejects.toThrow(
      /tokens.create: expiresIn must be a whole number of seconds from 1 to 21600/,
    );
    await expect(client.tokens.create({ modles: ['x'] } as never)).rejects.toThrow(
      /unknown grant field "modles"/,
    );
    await expect(client.tokens.create({ metadata: { blob: 'x'.repeat(2000) } })).rejects.toThrow(
      /metadata must be at most 1024 bytes/,
    );
    await expect(client.tokens.create({ models: 'echo' } as never)).rejects.toThrow(
      /models must be an array of strings/,
    );
  });
});

describe('tokens.create and whoami against the server', () => {
  it('mints a token that verifies offline, with the grant round-tripped', async () => {
    const key = await newKey(lk);
    const client = createClient({ apiKey: key.secret, baseUrl: lk.url });
    const grant = {
      expiresIn: 600,
      models: ['echo', 'whisper-1'],
      maxSessions: 2,
      origins: ['https://app.example.com'],
      maxSessionSeconds: 300,
      metadata: { userId: 'u_42' },
    };
    const created = await client.tokens.create(grant);
    expect(Object.keys(created).sort()).toEqual(['expiresAt', 'token', 'tokenId']);
    expect(created.tokenId).toMatch(/^tok_/);
    const verify = createVerifier({
      jwks: `${lk.url}/.well-known/jwks.json`,
      issuer: lk.url,
      audience: 'latchkey',
      now: () => Math.floor(clock.now() / 1000),
    });
    const v = await verify(created.token);
    if (!v.ok) throw new Error(`${v.code}: ${v.message}`);
    const { expiresIn: _, ...rest } = grant;
    expect(v.grant).toEqual(rest);
    expect(v.claims.jti).toBe(created.tokenId);
    expect(v.claims.exp - v.claims.iat).toBe(600);
    expect(created.expiresAt).toBe(new Date(v.claims.exp * 1000).toISOString());
  });

  it('mints with the platform defaults when no grant is given', async () => {
    const key = await newKey(lk);
    const created = await createClient({ apiKey: key.secret, baseUrl: lk.url }).tokens.create();
    const life = (Date.parse(created.expiresAt) - clock.now()) / 1000;
    expect(life).toBeGreaterThan(6 * 3600 - 30);
    expect(life).toBeLessThanOrEqual(6 * 3600);
  });
});

/** A refusal from the server itself: its envelope links to the server's own error-code page. */
const expectServerRefusal = (
  promise: Promise<unknown>,
  expected: Parameters<typeof expectLatchkeyError>[1],
) => expectLatchkeyError(promise, { ...expected, docs: `${lk.url}/docs/errors#${expected.code}` });

describe('every refusal the server can produce arrives as a LatchkeyError', () => {
  it('INVALID_API_KEY: a well-formed key the server does not know', async () => {
    const unknown = generateKey('app');
    await expectServerRefusal(createClient({ apiKey: unknown, baseUrl: lk.url }).tokens.create(), {
      code: 'INVALID_API_KEY',
      status: 401,
      message: new RegExp(
        `^The API key rk_…${unknown.slice(-4)} is not known\\. Check the key for typos`,
      ),
    });
  });

  it('API_KEY_REVOKED: says to create a new key and update the backend', async () => {
    const key = await newKey(lk);
    const revoked = await lk.admin.revokeKey({ id: key.key.id, actor: 'sdk-test', reason: 'test' });
    expect(revoked.ok).toBe(true);
    const e = await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url }).tokens.create(),
      {
        code: 'API_KEY_REVOKED',
        status: 401,
        message: /was revoked\. .*create a new one and update your backend/,
      },
    );
    expect(e.message).not.toContain(key.secret);
  });

  it('API_KEY_EXPIRED', async () => {
    const key = await newKey(lk, { expiresInSeconds: 60 });
    clockOffset = 120_000;
    await expectServerRefusal(createClient({ apiKey: key.secret, baseUrl: lk.url }).whoami(), {
      code: 'API_KEY_EXPIRED',
      status: 401,
      message: /has expired\. The key has expired; create a new one/,
    });
  });

  it('WRONG_KEY_KIND: a partner key cannot mint', async () => {
    const org = await lk.admin.createOrg({ name: 'Partner Co', partner: true, actor: 'sdk-test' });
    if (!org.ok) throw new Error(org.message);
    const key = await newKey(lk, { org: org.value.id, kind: 'partner' });
    await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url }).tokens.create(),
      {
        code: 'WRONG_KEY_KIND',
        status: 403,
        message: /only app keys \(rk_\) mint session tokens/i,
      },
    );
  });

  it('INVALID_REQUEST: names the field', async () => {
    const key = await newKey(lk);
    await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url }).tokens.create({
        models: ['Not A Model'],
      }),
      { code: 'INVALID_REQUEST', status: 400, message: /^Models\.0: a model name is lowercase/ },
    );
  });

  it('PAYLOAD_TOO_LARGE', async () => {
    const key = await newKey(lk);
    const models = Array.from({ length: 2000 }, (_, i) => `model-${i}`);
    await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url }).tokens.create({ models }),
      {
        code: 'PAYLOAD_TOO_LARGE',
        status: 413,
        message: /request body is over 16384 bytes\. Send a smaller/,
      },
    );
  });

  it('NOT_FOUND: a base URL that does not point at the API', async () => {
    await expectServerRefusal(
      createClient({ apiKey: lk.key, baseUrl: `${lk.url}/latchkey` }).whoami(),
      {
        code: 'NOT_FOUND',
        status: 404,
        message: /no route GET \/latchkey\/v1\/whoami/i,
      },
    );
  });

  it('MISSING_API_KEY: a proxy client pointed at the platform instead of your proxy', async () => {
    await expectServerRefusal(createClient({ proxy: lk.url }).whoami(), {
      code: 'MISSING_API_KEY',
      status: 401,
      message: /no API key/i,
    });
  });

  it('RATE_LIMITED with maxRetries 0: status, Retry-After and what to do', async () => {
    const key = await newKey(lk);
    const client = createClient({ apiKey: key.secret, baseUrl: lk.url, maxRetries: 0 });
    // The key may mint 1/s with a burst of 2: within a few quick calls one is refused.
    let refusal: Promise<unknown> | undefined;
    for (let i = 0; i < 10 && !refusal; i++) {
      const p = client.tokens.create();
      if (
        await p.then(
          () => false,
          () => true,
        )
      )
        refusal = p;
    }
    const e = await expectServerRefusal(refusal ?? Promise.resolve(), {
      code: 'RATE_LIMITED',
      status: 429,
      message:
        /may mint 1 tokens per second\. Slow down and retry after the number of seconds in Retry-After/,
    });
    expect(e.retryAfter).toBe(1);
  });

  it('UNAVAILABLE: the server cannot reach a backing service (with maxRetries 0)', async () => {
    const key = await newKey(lk);
    limiterFaults.push(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    );
    const e = await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url, maxRetries: 0 }).tokens.create(),
      { code: 'UNAVAILABLE', status: 503, message: /cannot reach its database; retry shortly/ },
    );
    expect(e.retryAfter).toBe(1);
  });

  it('INTERNAL_ERROR: opaque, with the request id, and not retried', async () => {
    const key = await newKey(lk);
    limiterFaults.push(new Error('a bug with a secret detail'));
    const counted = countingFetch();
    const e = await expectServerRefusal(
      createClient({ apiKey: key.secret, baseUrl: lk.url, fetch: counted.fetch }).tokens.create(),
      {
        code: 'INTERNAL_ERROR',
        status: 500,
        message: /something went wrong on our side.*report the request id/i,
      },
    );
    expect(e.message).not.toContain('secret detail');
    expect(counted.statuses).toEqual([500]);
  });

  describe('requests this SDK would never send, rewritten on the wire, still map', () => {
    const viaRewrite = (rewrite: (init: RequestInit) => RequestInit) =>
      createClient({
        apiKey: lk.key,
        baseUrl: lk.url,
        maxRetries: 0,
        fetch: countingFetch(rewrite).fetch,
      });

    it('MISSING_API_KEY (Authorization stripped)', async () => {
      await expectServerRefusal(
        viaRewrite(withHeaders((h) => h.delete('authorization'))).tokens.create(),
        {
          code: 'MISSING_API_KEY',
          status: 401,
          message: /no API key: send "Authorization: Bearer <key>"/i,
        },
      );
    });
    it('INVALID_REQUEST (the key in two headers)', async () => {
      await expectServerRefusal(
        viaRewrite(withHeaders((h) => h.set('x-api-key', lk.key))).whoami(),
        {
          code: 'INVALID_REQUEST',
          status: 400,
          message: /send the key in one header only/i,
        },
      );
    });
    it('METHOD_NOT_ALLOWED (PUT)', async () => {
      await expectServerRefusal(viaRewrite((i) => ({ ...i, method: 'PUT' })).tokens.create(), {
        code: 'METHOD_NOT_ALLOWED',
        status: 405,
        message: /PUT is not allowed on \/v1\/tokens/,
      });
    });
    it('UNSUPPORTED_MEDIA_TYPE (text/plain)', async () => {
      await expectServerRefusal(
        viaRewrite(withHeaders((h) => h.set('content-type', 'text/plain'))).tokens.create({
          expiresIn: 60,
        }),
        { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, message: /Content-Type: application\/json/ },
      );
    });
    it('HEADERS_TOO_LARGE (a 20 KB header)', async () => {
      const e = await expectServerRefusal(
        viaRewrite(withHeaders((h) => h.set('x-padding', 'p'.repeat(20_000)))).whoami(),
        {
          code: 'HEADERS_TOO_LARGE',
          status: 431,
          message: /headers are over 16384 bytes/,
          requestId: false,
        },
      );
      expect(typeof e.requestId).toBe('string');
    });
  });

  it('the SDK registry holds every core code plus its own', () => {
    for (const code of [
      'API_KEY_REVOKED',
      'RATE_LIMITED',
      'INTERNAL_ERROR',
      'NETWORK_ERROR',
      'TIMEOUT',
      'UNAUTHORIZED',
    ])
      expect(ERROR_CODES).toHaveProperty(code);
    expect(Object.keys(SDK_ERROR_CODES).sort()).toEqual([
      'NETWORK_ERROR',
      'TIMEOUT',
      'UNAUTHORIZED',
    ]);
  });
});

describe('retries', () => {
  it('waits out Retry-After on 429 from the real server, then succeeds', async () => {
    const key = await newKey(lk);
    const counted = countingFetch();
    const client = createClient({ apiKey: key.secret, baseUrl: lk.url, fetch: counted.fetch });
    // Mint until the platform says 429 (1/s, burst 2: the third quick call at the latest).
    let waited = 0;
    for (let i = 0; i < 10 && !counted.statuses.includes(429); i++) {
      const started = performance.now();
      const created = await client.tokens.create({ expiresIn: 60 });
      waited = performance.now() - started;
      expect(created.tokenId).toMatch(/^tok_/);
    }
    const at = counted.statuses.indexOf(429);
    expect(at).toBeGreaterThanOrEqual(2);
    expect(counted.statuses.slice(at)).toEqual([429, 201]);
    // The call that met the 429 waited the Retry-After (1 s) and then got its token.
    // (A lower bound only: a wait is never shorter under load, and a hang is the test's timeout.)
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it('retries a 503 from the real server for tokens.create (refused before minting)', async () => {
    const key = await newKey(lk);
    limiterFaults.push(Object.assign(new Error('redis down'), { code: 'ECONNRESET' }));
    const counted = countingFetch();
    const created = await createClient({
      apiKey: key.secret,
      baseUrl: lk.url,
      fetch: counted.fetch,
    }).tokens.create();
    expect(created.token.split('.')).toHaveLength(3);
    expect(counted.statuses).toEqual([503, 201]);
  });

  describe('against a stub platform', () => {
    let stub: RecordingServer;
    let answers: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];
    beforeAll(async () => {
      stub = await recordingServer((_req, res) => {
        const a = answers.shift() ?? { status: 200, body: { ok: true } };
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
        res.end(
          JSON.stringify(
            a.body ?? {
              error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'req_stub' },
            },
          ),
        );
      });
    });
    afterAll(() => stub?.close());
    afterEach(() => {
      answers = [];
    });
    const key = generateKey('app');

    it('gives up after maxRetries, with the last error', async () => {
      answers = [0, 1, 2].map(() => ({ status: 429, headers: { 'retry-after': '0' } }));
      const before = stub.requests.length;
      await expectLatchkeyError(
        createClient({ apiKey: key, baseUrl: stub.url, maxRetries: 2 }).tokens.create(),
        {
          code: 'RATE_LIMITED',
          status: 429,
          message: /slow down/i,
          requestId: false,
          docs: `${stub.url}/docs/errors#RATE_LIMITED`,
        },
      );
      expect(stub.requests.length - before).toBe(3);
    });

    it('does not sit out a Retry-After over 60 s: throws with retryAfter for the caller', async () => {
      answers = [{ status: 429, headers: { 'retry-after': '120' } }];
      const before = stub.requests.length;
      const e = await expectLatchkeyError(
        createClient({ apiKey: key, baseUrl: stub.url }).whoami(),
        {
          code: 'RATE_LIMITED',
          status: 429,
          message: /slow down/i,
          requestId: false,
          docs: `${stub.url}/docs/errors#RATE_LIMITED`,
        },
      );
      expect(e.retryAfter).toBe(120);
      expect(stub.requests.length - before).toBe(1);
    });

    it('retries 503 and 502 on idempotent calls with backoff; not on 400', async () => {
      answers = [
        {
          status: 503,
          body: { error: { code: 'UNAVAILABLE', message: 'busy', requestId: 'req_1' } },
        },
        { status: 502, body: 'bad gateway' },
        { status: 200, body: { org: { id: 'org_x' }, key: {} } },
      ];
      const counted = countingFetch();
      const me = await createClient({
        apiKey: key,
        baseUrl: stub.url,
        fetch: counted.fetch,
      }).whoami();
      expect(me.org.id).toBe('org_x');
      expect(counted.statuses).toEqual([503, 502, 200]);

      answers = [
        {
          status: 400,
          body: { error: { code: 'INVALID_REQUEST', message: 'no', requestId: 'r' } },
        },
      ];
      const counted2 = countingFetch();
      await expect(
        createClient({ apiKey: key, baseUrl: stub.url, fetch: counted2.fetch }).whoami(),
      ).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
      expect(counted2.statuses).toEqual([400]);
    });

    it('maps a response that is not an envelope by its status, and a non-JSON success to INTERNAL_ERROR', async () => {
      answers = [{ status: 404, body: '<html>nope</html>' }];
      await expectLatchkeyError(createClient({ apiKey: key, baseUrl: stub.url }).whoami(), {
        code: 'NOT_FOUND',
        status: 404,
        message:
          /^The Latchkey platform at http:\/\/127\.0\.0\.1:\d+ answered 404 Not Found\. Check the id or path/,
        requestId: false,
        // No envelope: the SDK links the code to the platform it called.
        docs: `${stub.url}/docs/errors#NOT_FOUND`,
      });
      answers = [{ status: 201, body: { nope: true } }];
      await expect(
        createClient({ apiKey: key, baseUrl: stub.url }).tokens.create(),
      ).rejects.toMatchObject({
        code: 'INTERNAL_ERROR',
        message: expect.stringMatching(/without a token\. Check that baseUrl points at Latchkey/),
      });
    });

    it('keeps a code from a newer platform that this SDK does not know', async () => {
      answers = [
        {
          status: 409,
          body: {
            error: { code: 'QUOTA_EXCEEDED', message: 'monthly quota used', requestId: 'req_q' },
          },
        },
      ];
      const e = await createClient({ apiKey: key, baseUrl: stub.url })
        .whoami()
        .catch((x: unknown) => x);
      expect(e).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        status: 409,
        requestId: 'req_q',
        message: 'Monthly quota used.',
      });
    });
  });

  it('retries network failures on idempotent calls only', async () => {
    const port = await closedPort();
    const idem = countingFetch();
    await expectLatchkeyError(
      createClient({
        apiKey: lk.key,
        baseUrl: `http://127.0.0.1:${port}`,
        maxRetries: 1,
        fetch: idem.fetch,
      }).whoami(),
      {
        code: 'NETWORK_ERROR',
        status: 0,
        message: new RegExp(
          `^Could not reach the Latchkey platform at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\. Check baseUrl`,
        ),
        requestId: false,
        docs: `http://127.0.0.1:${port}/docs/errors#NETWORK_ERROR`,
      },
    );
    expect(idem.statuses).toEqual([0, 0]);

    const mint = countingFetch();
    const e = await createClient({
      apiKey: lk.key,
      baseUrl: `http://127.0.0.1:${port}`,
      fetch: mint.fetch,
    })
      .tokens.create()
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NETWORK_ERROR' });
    expect((e as LatchkeyError).cause).toBeInstanceOf(Error);
    expect(mint.statuses).toEqual([0]);
  });
});

describe('abort and timeout', () => {
  it('a signal aborted before the call rejects with its reason and sends nothing', async () => {
    const counted = countingFetch();
    const client = createClient({ apiKey: lk.key, baseUrl: lk.url, fetch: counted.fetch });
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(client.tokens.create({}, { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    expect(counted.statuses).toEqual([]);
  });

  it('aborting mid-request rejects at once with an AbortError', async () => {
    const hang = await silentServer();
    try {
      const client = createClient({ apiKey: lk.key, baseUrl: hang.url });
      const p = client.whoami({ signal: AbortSignal.timeout(150) });
      await expect(p).rejects.toMatchObject({ name: 'TimeoutError' });
      const controller = new AbortController();
      const q = client.whoami({ signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      // The silent server never answers: a request the abort did not stop is the test's timeout.
      await expect(q).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await hang.close();
    }
  });

  it('aborting during a Retry-After wait stops the wait', async () => {
    const stub = await recordingServer((_req, res) => {
      // The longest wait the SDK honours (60 s), past the test's timeout: a wait the
      // abort did not stop fails the test.
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '60' });
      res.end('{"error":{"code":"RATE_LIMITED","message":"slow down","requestId":"r"}}');
    });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      await expect(
        createClient({ apiKey: lk.key, baseUrl: stub.url }).tokens.create(
          {},
          { signal: controller.signal },
        ),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it('TIMEOUT per attempt: tokens.create is not retried, whoami is', async () => {
    const hang = await silentServer();
    try {
      await expectLatchkeyError(
        createClient({ apiKey: lk.key, baseUrl: hang.url, timeoutMs: 200 }).tokens.create(),
        {
          code: 'TIMEOUT',
          status: 0,
          message: /^No answer from the Latchkey platform at .* within 200 ms\. .*raise timeoutMs/,
          requestId: false,
          docs: `${hang.url}/docs/errors#TIMEOUT`,
        },
      );
      expect(hang.accepted()).toBe(1);
      const counted = countingFetch();
      await expectLatchkeyError(
        createClient({
          apiKey: lk.key,
          baseUrl: hang.url,
          timeoutMs: 60_000,
          maxRetries: 1,
          fetch: counted.fetch,
        }).whoami({ timeoutMs: 150 }),
        {
          code: 'TIMEOUT',
          status: 0,
          message: /within 150 ms/,
          requestId: false,
          docs: `${hang.url}/docs/errors#TIMEOUT`,
        },
      );
      expect(counted.statuses).toEqual([0, 0]);
    } finally {
      await hang.close();
    }
  });
});

describe('token resolver', () => {
  const decode = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as {
      exp: number;
      iat: number;
    };

  it('refreshes shortly before exp, and not before', async () => {
    const key = await newKey(lk);
    const minter = createClient({ apiKey: key.secret, baseUrl: lk.url });
    let calls = 0;
    const client = createClient({
      baseUrl: lk.url,
      token: async () => {
        calls++;
        return (await minter.tokens.create({ expiresIn: 300 })).token;
      },
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await client.getToken();
    const { exp } = decode(first);
    expect(calls).toBe(1);
    vi.setSystemTime((exp - 120) * 1000);
    expect(await client.getToken()).toBe(first);
    expect(calls).toBe(1);
    // Inside the last minute: the next call resolves a new token (the server shares
    // this process's Date, so it mints at the moved time too).
    vi.setSystemTime((exp - 59) * 1000);
    const second = await client.getToken();
    expect(calls).toBe(2);
    expect(second).not.toBe(first);
    expect(decode(second).exp).toBeGreaterThan(exp - 300);
  });

  it('shares one in-flight resolve between concurrent callers', async () => {
    const key = await newKey(lk);
    const minter = createClient({ apiKey: key.secret, baseUrl: lk.url });
    let calls = 0;
    const client = createClient({
      baseUrl: lk.url,
      token: async () => {
        calls++;
        return (await minter.tokens.create({ expiresIn: 600 })).token;
      },
    });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => client.getToken()));
    expect(calls).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('a failed resolve is passed through, and the next call tries again', async () => {
    let calls = 0;
    const client = createClient({
      token: () => {
        calls++;
        if (calls === 1) throw new LatchkeyError('UNAUTHORIZED', 'Sign in first.');
        return 'header.eyJleHAiOjk5OTk5OTk5OTl9.sig';
      },
    });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(client.getToken()).resolves.toBe('header.eyJleHAiOjk5OTk5OTk5OTl9.sig');
    await client.getToken();
    expect(calls).toBe(2);
  });

  it('refuses what a resolver should not return', async () => {
    const objectClient = createClient({ token: async () => ({ token: 'x' }) as never });
    await expect(objectClient.getToken()).rejects.toThrow(
      /token resolver: expected the token string, got object \(return `body.token`/,
    );
    const keyClient = createClient({ token: () => generateKey('app') });
    await expect(keyClient.getToken()).rejects.toThrow(/this is an API key, not a session token/);
  });

  it('asks again every time for a token without a readable exp; a string token is used as is', async () => {
    let calls = 0;
    const client = createClient({ token: () => `opaque-${++calls}` });
    expect(await client.getToken()).toBe('opaque-1');
    expect(await client.getToken()).toBe('opaque-2');
    expect(await createClient({ token: 'a.b.c' }).getToken()).toBe('a.b.c');
  });

  it('getToken honours its signal while the resolver is slow', async () => {
    const client = createClient({
      token: () => new Promise<string>((r) => setTimeout(() => r('late.token.x'), 5_000)),
    });
    await expect(client.getToken({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
