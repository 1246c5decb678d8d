// The public HTTP API through a real listening server on a fresh PGlite.
import http from 'node:http';
import { ERROR_CODES, generateKey, MAX_TOKEN_SECONDS } from '@latchkey/core';
import { createVerifier, type TokenVerifier } from '@latchkey/core/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AdminApi,
  createAdminApi,
  createLogger,
  manualClock,
  type RunningServer,
} from '../src/index.js';
import { embeddedConfig, type TempDir, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const MINT_RATE = 3; // per key per second; burst is twice this
const AUTH_FAILURES = 4; // per IP per minute

const clock = manualClock();
const logs: string[] = [];
/** Every response body this file saw, to check none carries a key. */
const seen: string[] = [];
/** Every key secret this file created. */
const secrets: string[] = [];

let dir: TempDir;
let server: RunningServer;
let admin: AdminApi;
let devKey: string;
let devOrgId: string;
let verify: TokenVerifier;

// The server trusts X-Forwarded-For here, so each test can be its own client
// address and the per-IP failure budget of one test never leaks into another.
let ipSeq = 0;
const freshIp = () => {
  ipSeq++;
  return `10.${(ipSeq >> 16) & 255}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`;
};

interface CallOptions {
  method?: string;
  key?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  ip?: string;
}

async function call(path: string, o: CallOptions = {}) {
  const headers: Record<string, string> = {
    'X-Forwarded-For': o.ip ?? freshIp(),
    'User-Agent': 'latchkey-route-tests/1',
    ...o.headers,
  };
  if (o.key !== undefined) headers.Authorization = `Bearer ${o.key}`;
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(server.url + path, {
    method: o.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  seen.push(text);
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, read by the assertions
  return { res, status: res.status, text, json: () => JSON.parse(text) as Record<string, any> };
}

const mint = (key: string | undefined, json: unknown = {}, extra: CallOptions = {}) =>
  call('/v1/tokens', { method: 'POST', ...(key !== undefined ? { key } : {}), json, ...extra });

/** A request through node:http (fetch refuses some of what these tests send). */
function rawRequest(
  path: string,
  options: http.RequestOptions,
  send: (req: http.ClientRequest) => void = (req) => req.end(),
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url + path, options);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        seen.push(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    send(req);
  });
}

/** Asserts status, code, message and the envelope's shape; returns the error. */
function expectError(
  r: Awaited<ReturnType<typeof call>>,
  status: number,
  code: string,
  message: RegExp,
) {
  expect(r.status, r.text).toBe(status);
  const body = r.json();
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String),
      requestId: expect.stringMatching(/^req_[0-9A-Za-z]{22}$/),
      docs: `${server.url}/docs/errors#${code}`,
    },
  });
  expect(body.error.message).toMatch(message);
  expect(r.res.headers.get('x-request-id')).toBe(body.error.requestId);
  expect(r.res.headers.get('content-type')).toMatch(/^application\/json/);
  return body.error as { code: string; message: string; requestId: string };
}

async function newOrg(name: string, partner = false) {
  const r = await admin.createOrg({ name, partner, actor: 'test' });
  if (!r.ok) throw new Error(`createOrg: ${r.code} ${r.message}`);
  return r.value;
}

async function newKey(
  org: string,
  opts: { kind?: 'app' | 'partner'; expiresInSeconds?: number } = {},
) {
  const r = await admin.createKey({ org, actor: 'test', ...opts });
  if (!r.ok) throw new Error(`createKey: ${r.code} ${r.message}`);
  secrets.push(r.value.secret);
  return r.value;
}

beforeAll(async () => {
  dir = tempDir();
  server = await startServer(
    embeddedConfig(dir.dir, {
      LATCHKEY_MINT_RATE_PER_KEY: String(MINT_RATE),
      LATCHKEY_AUTH_FAILURES_PER_IP: String(AUTH_FAILURES),
      LATCHKEY_TRUST_PROXY: 'true',
    }),
    { clock, log: createLogger('debug', (line) => logs.push(line)) },
  );
  admin = createAdminApi(server.platform);
  if (!server.bootstrap) throw new Error('expected a bootstrap key on a fresh data dir');
  devKey = server.bootstrap.apiKey;
  devOrgId = server.bootstrap.orgId;
  secrets.push(devKey);
  verify = createVerifier({
    jwks: `${server.url}/.well-known/jwks.json`,
    issuer: server.url,
    audience: 'latchkey',
    now: () => Math.floor(clock.now() / 1000),
  });
});

afterAll(async () => {
  await server?.close();
  dir?.remove();
});

describe('POST /v1/tokens — happy path', () => {
  it('mints a token that verifies offline against the JWKS, with the grant round-tripped', async () => {
    const key = await newKey(devOrgId);
    const grant = {
      models: ['gpt-realtime', 'whisper-1'],
      maxSessions: 2,
      origins: ['https://app.example.com', 'http://localhost:5173'],
      maxSessionSeconds: 600,
      metadata: { userId: 'u_42', plan: 'pro', nested: { a: [1, 2] } },
    };
    const r = await mint(key.secret, { ...grant, expiresIn: 900 });
    expect(r.status, r.text).toBe(201);
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    expect(r.res.headers.get('x-request-id')).toMatch(/^req_/);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'tokenId']);
    expect(body.tokenId).toMatch(/^tok_[0-9A-Za-z]{22}$/);

    const v = await verify(body.token);
    if (!v.ok) throw new Error(`token did not verify: ${v.code} ${v.message}`);
    expect(v.grant).toEqual(grant);
    expect(v.claims.jti).toBe(body.tokenId);
    expect(v.claims.sub).toBe(devOrgId);
    expect(v.claims.key).toBe(key.key.id);
    expect(v.claims.iss).toBe(server.url);
    expect(v.claims.aud).toBe('latchkey');
    expect(v.claims.iat).toBe(Math.floor(clock.now() / 1000));
    expect(v.claims.exp - v.claims.iat).toBe(900);
    expect(body.expiresAt).toBe(new Date(v.claims.exp * 1000).toISOString());
  });

  it('defaults to a 6 h token with the default grant when the body is empty', async () => {
    const r = await call('/v1/tokens', { method: 'POST', key: devKey });
    expect(r.status, r.text).toBe(201);
    const v = await verify(r.json().token);
    if (!v.ok) throw new Error(v.message);
    expect(v.claims.exp - v.claims.iat).toBe(6 * 3600);
    expect(MAX_TOKEN_SECONDS).toBe(21_600);
    expect(v.grant).toEqual({
      models: ['*'],
      maxSessions: 5,
      origins: [],
      maxSessionSeconds: 3600,
      metadata: {},
    });
  });

  it('accepts the key in X-API-Key as well', async () => {
    const r = await mint(undefined, { expiresIn: 60 }, { headers: { 'X-API-Key': devKey } });
    expect(r.status, r.text).toBe(201);
    const v = await verify(r.json().token);
    expect(v.ok && v.claims.exp - v.claims.iat).toBe(60);
  });

  it('a token whose claims were altered does not verify', async () => {
    const r = await mint(devKey, { expiresIn: 60 });
    const [h, p, s] = (r.json().token as string).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    expect((await verify(`${h}.${p}.${s}`)).ok).toBe(true);
    claims.grant.maxSessions = 1000;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const v = await verify(forged);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.message).toBe('bad signature');
  });

  it('never lets a token outlive the key that minted it', async () => {
    const key = await newKey(devOrgId, { expiresInSeconds: 120 });
    const r = await mint(key.secret, {});
    expect(r.status, r.text).toBe(201);
    const v = await verify(r.json().token);
    if (!v.ok) throw new Error(v.message);
    expect(v.claims.exp).toBe(Math.floor(Date.parse(key.key.expiresAt as string) / 1000));
  });
});

describe('GET /v1/whoami', () => {
  it('describes the key and its org, showing only the display form', async () => {
    const r = await call('/v1/whoami', { key: devKey });
    expect(r.status, r.text).toBe(200);
    const body = r.json();
    expect(body).toEqual({
      org: { id: devOrgId, slug: 'dev', name: 'Development', partner: false },
      key: {
        id: expect.stringMatching(/^key_/),
        kind: 'app',
        display: `rk_…${devKey.slice(-4)}`,
        expiresAt: null,
      },
    });
    expect(r.text).not.toContain(devKey);
  });

  it("shows each key its own org and never another org's", async () => {
    const a = await newOrg('Org A');
    const b = await newOrg('Org B');
    const ka = await newKey(a.id);
    const kb = await newKey(b.id);
    const ra = await call('/v1/whoami', { key: ka.secret });
    const rb = await call('/v1/whoami', { key: kb.secret });
    expect(ra.json().org.id).toBe(a.id);
    expect(ra.text).not.toContain(b.id);
    expect(rb.json().org.id).toBe(b.id);
    expect(rb.text).not.toContain(a.id);
    const token = (await mint(kb.secret)).json().token;
    const v = await verify(token);
    expect(v.ok && v.claims.sub).toBe(b.id);
  });

  it('refuses without a key', async () => {
    expectError(await call('/v1/whoami'), 401, 'MISSING_API_KEY', /Authorization: Bearer/);
  });
});

describe('authentication failures', () => {
  it('no key → 401 MISSING_API_KEY', async () => {
    expectError(await mint(undefined), 401, 'MISSING_API_KEY', /no API key/);
  });

  it('malformed key → 401 INVALID_API_KEY naming the problem', async () => {
    const e = expectError(await mint('rk_short'), 401, 'INVALID_API_KEY', /malformed/);
    expect(e.message).toMatch(/41 characters/);
    const wrongPrefix = `sk_${devKey.slice(3)}`;
    const e2 = expectError(await mint(wrongPrefix), 401, 'INVALID_API_KEY', /rk_ or rp_/);
    expect(e2.message).not.toContain(wrongPrefix);
  });

  it('bad checksum → 401 INVALID_API_KEY, without echoing the key', async () => {
    const last = devKey.at(-1) === 'A' ? 'B' : 'A';
    const bad = devKey.slice(0, -1) + last;
    const e = expectError(await mint(bad), 401, 'INVALID_API_KEY', /checksum/);
    expect(e.message).not.toContain(bad);
  });

  it('unknown well-formed key → 401 INVALID_API_KEY with the display form only', async () => {
    const unknown = generateKey('app');
    const e = expectError(await mint(unknown), 401, 'INVALID_API_KEY', /not known/);
    expect(e.message).toContain(`rk_…${unknown.slice(-4)}`);
    expect(e.message).not.toContain(unknown);
    expect(e.message).not.toContain(unknown.slice(3, 20));
  });

  it('revoked key → 401 API_KEY_REVOKED, even after it was cached', async () => {
    const key = await newKey(devOrgId);
    expect((await mint(key.secret)).status).toBe(201);
    const revoked = await admin.revokeKey({ id: key.key.id, reason: 'leaked', actor: 'test' });
    expect(revoked.ok && revoked.value.state).toBe('revoked');
    expectError(await mint(key.secret), 401, 'API_KEY_REVOKED', /revoked/);
    expectError(await call('/v1/whoami', { key: key.secret }), 401, 'API_KEY_REVOKED', /revoked/);
  });

  it('expired key → 401 API_KEY_EXPIRED once the clock passes its expiry', async () => {
    const key = await newKey(devOrgId, { expiresInSeconds: 60 });
    expect((await mint(key.secret)).status).toBe(201);
    clock.advance(59_000);
    expect((await call('/v1/whoami', { key: key.secret })).status).toBe(200);
    clock.advance(1_000);
    const e = expectError(await mint(key.secret), 401, 'API_KEY_EXPIRED', /expired/);
    expect(e.message).toContain(`rk_…${key.secret.slice(-4)}`);
    expectError(await call('/v1/whoami', { key: key.secret }), 401, 'API_KEY_EXPIRED', /expired/);
  });

  it('partner key cannot mint → 403 WRONG_KEY_KIND (but is a valid key)', async () => {
    const org = await newOrg('Model Partner Inc', true);
    const key = await newKey(org.id, { kind: 'partner' });
    expect(key.secret.startsWith('rp_')).toBe(true);
    expectError(await mint(key.secret), 403, 'WRONG_KEY_KIND', /only app keys/);
    const who = await call('/v1/whoami', { key: key.secret });
    expect(who.status).toBe(200);
    expect(who.json().key.kind).toBe('partner');
    expect(who.json().org.partner).toBe(true);
  });

  it('both Authorization and X-API-Key → 400 INVALID_REQUEST', async () => {
    expectError(
      await mint(devKey, {}, { headers: { 'X-API-Key': devKey } }),
      400,
      'INVALID_REQUEST',
      /one header only/,
    );
  });

  it('"Basic" auth scheme → 401 MISSING_API_KEY asking for Bearer', async () => {
    const basic = `Basic ${Buffer.from(`user:${devKey}`).toString('base64')}`;
    const e = expectError(
      await mint(undefined, {}, { headers: { Authorization: basic } }),
      401,
      'MISSING_API_KEY',
      /must be "Bearer <key>"/,
    );
    expect(e.message).not.toContain(basic.slice(6));
  });
});

describe('request validation', () => {
  // Refused bodies still spend the key's mint budget, so each test has its own key.
  let key: string;
  beforeEach(async () => {
    key = (await newKey(devOrgId)).secret;
  });

  it('malformed JSON → 400 INVALID_REQUEST', async () => {
    expectError(
      await call('/v1/tokens', {
        method: 'POST',
        key,
        body: '{"models": [',
        headers: { 'Content-Type': 'application/json' },
      }),
      400,
      'INVALID_REQUEST',
      /not valid JSON/,
    );
  });

  it('wrong types → 400 INVALID_REQUEST naming the field', async () => {
    expectError(await mint(key, { expiresIn: '600' }), 400, 'INVALID_REQUEST', /^expiresIn:/);
    expectError(await mint(key, { models: 'gpt' }), 400, 'INVALID_REQUEST', /^models:/);
    expectError(await mint(key, { maxSessions: 1.5 }), 400, 'INVALID_REQUEST', /^maxSessions:/);
    expectError(
      await mint(key, { origins: ['https://a.example.com/path'] }),
      400,
      'INVALID_REQUEST',
      /^origins\.0: an origin is/,
    );
    expectError(await mint(key, ['x']), 400, 'INVALID_REQUEST', /^body:/);
    expectError(await mint(key, { metadata: [1] }), 400, 'INVALID_REQUEST', /^metadata:/);
  });

  it('unknown fields → 400 INVALID_REQUEST naming the field', async () => {
    const e = expectError(
      await mint(key, { expiresIn: 60, scope: 'admin' }),
      400,
      'INVALID_REQUEST',
      /unknown field/,
    );
    expect(e.message).toContain('"scope"');
  });

  it('metadata over 1 KiB → 400 INVALID_REQUEST', async () => {
    expectError(
      await mint(key, { metadata: { blob: 'x'.repeat(1100) } }),
      400,
      'INVALID_REQUEST',
      /^metadata: must be at most 1024 bytes/,
    );
    // Just under the limit passes.
    expect((await mint(key, { metadata: { blob: 'x'.repeat(1000) } })).status).toBe(201);
  });

  it('expiresIn over 6 h (or under 1 s) → 400 INVALID_REQUEST', async () => {
    expectError(await mint(key, { expiresIn: 21_601 }), 400, 'INVALID_REQUEST', /^expiresIn:/);
    expectError(await mint(key, { expiresIn: 0 }), 400, 'INVALID_REQUEST', /^expiresIn:/);
    const ok = await mint(key, { expiresIn: 21_600 });
    expect(ok.status).toBe(201);
  });

  it('body over 16 KiB → 413 PAYLOAD_TOO_LARGE', async () => {
    expectError(
      await mint(key, { metadata: { blob: 'x'.repeat(17 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
      /over 16384 bytes/,
    );
  });

  it('wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectError(
      await mint(key, { expiresIn: 60 }, { headers: { 'Content-Type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/json/,
    );
  });

  it('a huge declared body is refused before it is sent, a chunked one mid-stream', async () => {
    const declared = await rawRequest(
      '/v1/tokens',
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
          'Content-Length': String(50 * 1024 * 1024),
          'X-Forwarded-For': freshIp(),
        },
      },
      // Send only the first KiB of the promised 50 MiB: the answer must come anyway.
      (req) => req.write('{"metadata":{"x":"'.padEnd(1024, 'x')),
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('PAYLOAD_TOO_LARGE');

    const chunked = await rawRequest(
      '/v1/tokens',
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
          'X-Forwarded-For': freshIp(),
        },
      },
      (req) => {
        for (let i = 0; i < 40; i++) req.write('x'.repeat(1024));
        req.end();
      },
    );
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('headers over 16 KiB → 431 HEADERS_TOO_LARGE in the usual envelope', async () => {
    const { status, headers, body } = await rawRequest('/v1/whoami', {
      method: 'GET',
      headers: { Authorization: `Bearer ${devKey}`, 'X-Padding': 'a'.repeat(20 * 1024) },
    });
    expect(status).toBe(431);
    const parsed = JSON.parse(body);
    expect(parsed).toEqual({
      error: {
        code: 'HEADERS_TOO_LARGE',
        message: expect.stringMatching(/over 16384 bytes/),
        requestId: expect.stringMatching(/^req_/),
        docs: `${server.url}/docs/errors#HEADERS_TOO_LARGE`,
      },
    });
    expect(headers['x-request-id']).toBe(parsed.error.requestId);
  });
});

describe('orgs with unusual names (admin api)', () => {
  it('stores SQL metacharacters and unicode verbatim', async () => {
    const names = [
      "'; drop table orgs; --",
      'Robert"); DELETE FROM api_keys; --',
      'Café 🚀 Ünïcode 数据 👩🏽‍💻',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-looking name, stored as written
      '\\x00 %s %n $1 ${x}',
    ];
    for (const name of names) {
      const org = await newOrg(name);
      expect(org.name).toBe(name);
      expect(org.slug).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
      const key = await newKey(org.slug);
      const who = await call('/v1/whoami', { key: key.secret });
      expect(who.status, who.text).toBe(200);
      expect(who.json().org).toEqual({ id: org.id, slug: org.slug, name, partner: false });
      const row = await server.platform.db
        .selectFrom('orgs')
        .select('name')
        .where('id', '=', org.id)
        .executeTakeFirstOrThrow();
      expect(row.name).toBe(name);
    }
    expect(
      (await server.platform.db.selectFrom('orgs').select('slug').execute()).map((r) => r.slug),
    ).toEqual(expect.arrayContaining(['drop-table-orgs', 'cafe-unicode', 'dev']));
    const count = await server.platform.db.selectFrom('api_keys').select('id').execute();
    expect(count.length).toBeGreaterThan(1);
  });

  it('refuses a slug with metacharacters', async () => {
    const r = await admin.createOrg({ name: 'x', slug: "x'; --", actor: 'test' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('INVALID_REQUEST');
  });
});

describe('key rotation', () => {
  it('with grace: the old key works during the grace period and is refused after it', async () => {
    const old = await newKey(devOrgId);
    expect((await mint(old.secret)).status).toBe(201);
    const r = await admin.rotateKey({ id: old.key.id, graceSeconds: 300, actor: 'test' });
    if (!r.ok) throw new Error(r.message);
    secrets.push(r.value.secret);
    expect(r.value.old.rotatedTo).toBe(r.value.key.id);
    expect((await mint(old.secret)).status).toBe(201);
    expect((await mint(r.value.secret)).status).toBe(201);
    clock.advance(299_000);
    expect((await call('/v1/whoami', { key: old.secret })).status).toBe(200);
    clock.advance(1_000);
    expectError(await mint(old.secret), 401, 'API_KEY_EXPIRED', /expired/);
    expect((await mint(r.value.secret)).status).toBe(201);
  });

  it('with grace 0: the old key is refused at once', async () => {
    const old = await newKey(devOrgId);
    expect((await mint(old.secret)).status).toBe(201);
    const r = await admin.rotateKey({ id: old.key.id, graceSeconds: 0, actor: 'test' });
    if (!r.ok) throw new Error(r.message);
    secrets.push(r.value.secret);
    expect(r.value.old.state).toBe('revoked');
    expectError(await mint(old.secret), 401, 'API_KEY_REVOKED', /revoked/);
    const fresh = await call('/v1/whoami', { key: r.value.secret });
    expect(fresh.status).toBe(200);
    expect(fresh.json().key.id).toBe(r.value.key.id);
  });
});

describe('rate limits', () => {
  it('per key: a burst of twice the rate, then 429 RATE_LIMITED with Retry-After', async () => {
    const key = await newKey(devOrgId);
    const other = await newKey(devOrgId);
    for (let i = 0; i < MINT_RATE * 2; i++) {
      const r = await mint(key.secret, { expiresIn: 60 });
      expect(r.status, `mint #${i + 1}: ${r.text}`).toBe(201);
    }
    const refused = await mint(key.secret, { expiresIn: 60 });
    expectError(refused, 429, 'RATE_LIMITED', new RegExp(`${MINT_RATE} tokens per second`));
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key of the same org has its own budget.
    expect((await mint(other.secret)).status).toBe(201);
    clock.advance(1000);
    expect((await mint(key.secret)).status).toBe(201);
  });

  it('per IP: after N failed authentications further failures get 429, and a valid key still passes', async () => {
    const ip = freshIp();
    const valid = (await newKey(devOrgId)).secret;
    for (let i = 0; i < AUTH_FAILURES; i++) {
      expectError(await mint(generateKey('app'), {}, { ip }), 401, 'INVALID_API_KEY', /not known/);
    }
    const limited = await mint(generateKey('app'), {}, { ip });
    expectError(limited, 429, 'RATE_LIMITED', /failed authentications/);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectError(await call('/v1/whoami', { ip }), 429, 'RATE_LIMITED', /failed/);
    // One guesser behind a shared address must not lock out everyone else there.
    expect((await mint(valid, {}, { ip })).status).toBe(201);
    expect((await call('/v1/whoami', { key: valid, ip })).status).toBe(200);
    // Other addresses are not affected.
    expectError(await mint(generateKey('app'), {}, { ip: freshIp() }), 401, 'INVALID_API_KEY');
    // The budget refills with time.
    clock.advance(60_000);
    expectError(await mint(generateKey('app'), {}, { ip }), 401, 'INVALID_API_KEY');
  });
});

describe('operational endpoints', () => {
  it('GET /healthz → 200', async () => {
    const r = await call('/healthz');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz → 200 with the database kind', async () => {
    const r = await call('/readyz');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('GET /.well-known/jwks.json → the public Ed25519 keys, no private parts', async () => {
    const r = await call('/.well-known/jwks.json');
    expect(r.status).toBe(200);
    const { keys } = r.json() as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.stringMatching(/^sig_/) });
      expect(k).not.toHaveProperty('d');
    }
  });

  it('GET /metrics → Prometheus text with mint, auth-failure and latency series', async () => {
    expect((await mint((await newKey(devOrgId)).secret)).status).toBe(201);
    await mint(generateKey('app'));
    const r = await call('/metrics');
    expect(r.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/plain/);
    const minted = /^latchkey_tokens_minted_total\{outcome="ok"\} (\d+)$/m.exec(r.text);
    expect(Number(minted?.[1])).toBeGreaterThan(0);
    const failed = /^latchkey_auth_failures_total\{code="INVALID_API_KEY"\} (\d+)$/m.exec(r.text);
    expect(Number(failed?.[1])).toBeGreaterThan(0);
    expect(r.text).toMatch(
      /^latchkey_http_request_duration_seconds_bucket\{le="0\.005",route="\/v1\/tokens",method="POST",status="201"\} \d+$/m,
    );
    expect(r.text).toMatch(/^latchkey_http_request_duration_seconds_count\{.*\} \d+$/m);
    // Node's process metrics carry the prefix once.
    expect(r.text).toMatch(/^latchkey_process_cpu_seconds_total \d/m);
    expect(r.text).toMatch(/^latchkey_nodejs_heap_size_used_bytes \d/m);
    expect(r.text).not.toMatch(/latchkey_process_process_/);
  });

  it('GET /v1/openapi.json → an OpenAPI 3.1 document describing /v1/tokens', async () => {
    const r = await call('/v1/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers[0].url).toBe(server.url);
    const op = doc.paths['/v1/tokens'].post;
    expect(op.operationId).toBe('createToken');
    expect(op.responses['201'].content['application/json'].schema).toBeTruthy();
    // Every $ref resolves inside this document (a JSON pointer from its root).
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    const resolve = (ref: string) => {
      expect(ref.startsWith('#/'), ref).toBe(true);
      let at: unknown = doc;
      for (const part of ref.slice(2).split('/')) {
        at = (at as Record<string, unknown> | undefined)?.[
          part.replaceAll('~1', '/').replaceAll('~0', '~')
        ];
      }
      expect(at, `unresolvable $ref ${ref}`).toBeTruthy();
      return at;
    };
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) resolve(ref);
    let bodySchema = op.requestBody.content['application/json'].schema;
    if (bodySchema.$ref) bodySchema = resolve(bodySchema.$ref);
    expect(bodySchema.type).toBe('object');
    expect(bodySchema.properties).toHaveProperty('expiresIn');
    expect(bodySchema.properties.expiresIn).toMatchObject({ maximum: 21_600 });
    expect(bodySchema.additionalProperties).toBe(false);
    let errSchema = op.responses['401'].content['application/json'].schema;
    if (errSchema.$ref) errSchema = resolve(errSchema.$ref);
    expect(errSchema.properties.error.properties.code.enum).toContain('API_KEY_REVOKED');
    expect(doc.paths['/v1/whoami'].get).toBeTruthy();
    expect(doc.paths['/.well-known/jwks.json'].get).toBeTruthy();
    expect(doc.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    // Every operation's responses are objects with a description (a 3.1 requirement).
    for (const methods of Object.values(doc.paths) as Array<
      Record<string, { responses: Record<string, unknown> }>
    >) {
      for (const o of Object.values(methods)) {
        for (const resp of Object.values(o.responses) as Array<{ description?: string }>) {
          expect(typeof resp.description).toBe('string');
        }
      }
    }
  });

  it('GET /docs → HTML', async () => {
    const r = await call('/docs');
    expect(r.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toMatch(/^<!doctype html>/i);
    expect(r.text).toContain('/v1/tokens');
    expect(r.text).toContain('INVALID_API_KEY');
    // The body of POST /v1/tokens is shown, not just a reference to it.
    expect(r.text).toContain('expiresIn');
  });

  it('GET /docs → Redoc from this server, the document embedded, nothing from another origin', async () => {
    const r = await call('/docs');
    const csp = r.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const scripts = [...r.text.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual([
      expect.stringMatching(/^\/docs\/assets\/redoc-\d+\.\d+\.\d+\.standalone\.js$/),
      expect.stringMatching(/^\/docs\/assets\/init-[0-9a-f]{16}\.js$/),
    ]);
    expect(r.text).toContain('href="/docs/errors"');
    // The embedded document is the one /v1/openapi.json serves, and cannot close its tag.
    const embedded = r.text.match(/<script id="openapi" type="application\/json">(.*?)<\/script>/s);
    expect(JSON.parse(embedded?.[1] ?? 'null')).toEqual((await call('/v1/openapi.json')).json());
    expect(embedded?.[1]).not.toContain('<');

    const bundle = await call(scripts[0] as string);
    expect(bundle.status).toBe(200);
    expect(bundle.res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(bundle.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(bundle.text).toContain('Redoc');
    expect(bundle.text).not.toContain('cdn.redoc.ly');
    const gzipped = await fetch(server.url + (scripts[0] as string), {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(await gzipped.text()).toBe(bundle.text);
    const init = await call(scripts[1] as string);
    expect(init.status).toBe(200);
    expect(init.text).toContain('Redoc.init(');
    expect((await call('/docs/assets/redoc-0.0.0.standalone.js')).status).toBe(404);
  });

  it('GET /docs/errors → every error code with its status and fix, one anchor per code', async () => {
    const r = await call('/docs/errors');
    expect(r.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const rows = [...r.text.matchAll(/<tr id="([A-Z_]+)">(.*?)<\/tr>/g)];
    expect(rows.map((m) => m[1])).toEqual(Object.keys(ERROR_CODES));
    for (const [, code, row] of rows) {
      const { status, fix } = ERROR_CODES[code as keyof typeof ERROR_CODES];
      const side = (ERROR_CODES as Record<string, { side?: string }>)[code as string]?.side;
      const statusText = side === 'client' ? `${status || '—'} (client-side)` : String(status);
      const escaped = fix.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
      expect(row).toBe(
        `<td><a href="#${code}"><code>${code}</code></a></td><td>${statusText}</td><td>${escaped}</td>`,
      );
    }
    expect(r.text).toContain('href="/docs"');
  });

  it('unknown route → 404 NOT_FOUND envelope', async () => {
    expectError(
      await call('/v2/nothing-here'),
      404,
      'NOT_FOUND',
      /no route GET \/v2\/nothing-here/,
    );
    expectError(
      await call('/v1/tokens/extra', { method: 'POST', key: devKey, json: {} }),
      404,
      'NOT_FOUND',
      /no route/,
    );
  });

  it('wrong method on a known path → 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const r1 = await call('/v1/tokens', { method: 'GET', key: devKey });
    expectError(r1, 405, 'METHOD_NOT_ALLOWED', /GET is not allowed on \/v1\/tokens/);
    expect(r1.res.headers.get('allow')).toBe('POST');
    const r2 = await call('/v1/tokens', { method: 'DELETE', key: devKey });
    expectError(r2, 405, 'METHOD_NOT_ALLOWED', /DELETE/);
    const r3 = await call('/healthz', { method: 'POST', json: {} });
    expectError(r3, 405, 'METHOD_NOT_ALLOWED', /POST is not allowed on \/healthz/);
    expect(r3.res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('secrets stay secret', () => {
  it('no response body and no log line contains a full key', async () => {
    // Make the server log something on a refused path too.
    await mint(devKey.slice(0, -1) + (devKey.at(-1) === 'z' ? 'y' : 'z'));
    expect(secrets.length).toBeGreaterThan(10);
    expect(seen.length).toBeGreaterThan(50);
    const everything = [...seen, ...logs].join('\n');
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      // Not even the random body without its prefix.
      expect(everything).not.toContain(secret.slice(3, 35));
    }
  });
});
