import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionClaims } from './claims.js';
import { remoteKeySource, staticKeySource } from './jwks-source.js';
import { signSessionToken } from './sign-token.js';
import { generateSigningKey, type JwkSet } from './signing-key.js';
import { createVerifier } from './verify-token.js';

const keyA = generateSigningKey('sig_a');
const keyB = generateSigningKey('sig_b');

/** What the test server does; reset before each test. */
const state = {
  body: '' as string,
  status: 200,
  requests: [] as IncomingMessage[],
  /** When set, requests wait until it resolves before they are answered. */
  gate: undefined as Promise<void> | undefined,
  /** When true, requests are never answered. */
  hang: false,
  onRequest: undefined as (() => void) | undefined,
};

function serve(set: JwkSet | unknown, status = 200) {
  state.body = JSON.stringify(set);
  state.status = status;
}

let server: Server;
let url: string;
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    state.requests.push(req);
    state.onRequest?.();
    if (state.hang) {
      hanging.push(res);
      return;
    }
    if (state.gate) await state.gate;
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
});

beforeEach(() => {
  serve({ keys: [keyA.publicJwk] });
  state.requests = [];
  state.gate = undefined;
  state.hang = false;
  state.onRequest = undefined;
});

/** A hand-moved clock for the `now` option. */
function makeClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const fetches = () => state.requests.length;

describe('remoteKeySource', () => {
  it('fetches the set once and serves many gets from the cache', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now });
    expect(fetches()).toBe(0); // lazy: nothing until the first get

    const first = await source.get('sig_a');
    expect(first).toBeDefined();
    expect(first?.asymmetricKeyType).toBe('ed25519');
    expect(first?.export({ format: 'jwk' }).x).toBe(keyA.publicJwk.x);
    expect(fetches()).toBe(1);

    for (let i = 0; i < 50; i++) {
      clock.advance(1000); // 50 s in all: well inside maxAge
      expect(await source.get('sig_a')).toBe(first);
    }
    expect(fetches()).toBe(1);
    expect(state.requests[0]?.method).toBe('GET');
    expect(state.requests[0]?.url).toBe('/.well-known/jwks.json');
    expect(state.requests[0]?.headers.accept).toBe('application/json');
  });

  it('accepts a URL object', async () => {
    const source = remoteKeySource(new URL(url), { now: makeClock().now });
    expect(await source.get('sig_a')).toBeDefined();
    expect(fetches()).toBe(1);
  });

  it('refuses non-http(s) URLs', () => {
    expect(() => remoteKeySource('file:///etc/passwd')).toThrow(TypeError);
    expect(() => remoteKeySource('ftp://example.com/jwks')).toThrow(TypeError);
    expect(() => remoteKeySource('not a url')).toThrow(TypeError);
  });

  it('refetches on an unknown kid, but at most once per cooldown', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now, cooldownMs: 30_000 });
    expect(await source.get('sig_a')).toBeDefined();
    expect(fetches()).toBe(1);

    // Within the cooldown, unknown kids (however many) cause no fetch.
    serve({ keys: [keyA.publicJwk, keyB.publicJwk] });
    clock.advance(10_000);
    expect(await source.get('sig_b')).toBeUndefined();
    for (let i = 0; i < 100; i++) expect(await source.get(`sig_forged_${i}`)).toBeUndefined();
    clock.advance(20_000); // exactly the cooldown: still inside it
    expect(await source.get('sig_b')).toBeUndefined();
    expect(fetches()).toBe(1);

    // After the cooldown, one unknown kid triggers one refetch, which finds the new key.
    clock.advance(1);
    const b = await source.get('sig_b');
    expect(b?.export({ format: 'jwk' }).x).toBe(keyB.publicJwk.x);
    expect(fetches()).toBe(2);

    // Known kids never trigger a refetch; a new unknown kid waits for the next cooldown.
    clock.advance(1000);
    expect(await source.get('sig_b')).toBe(b);
    expect(await source.get('sig_a')).toBeDefined();
    expect(await source.get('sig_c')).toBeUndefined();
    expect(fetches()).toBe(2);
    clock.advance(30_000);
    expect(await source.get('sig_c')).toBeUndefined();
    expect(fetches()).toBe(3);
    expect(await source.get('sig_c')).toBeUndefined();
    expect(fetches()).toBe(3);
  });

  it('counts the cooldown from the end of the last fetch, whatever started it', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now, cooldownMs: 5_000, maxAgeMs: 60_000 });
    expect(await source.get('sig_unknown')).toBeUndefined(); // the first fetch
    expect(fetches()).toBe(1);
    clock.advance(4_999);
    expect(await source.get('sig_unknown')).toBeUndefined();
    expect(fetches()).toBe(1);
    clock.advance(2);
    expect(await source.get('sig_unknown')).toBeUndefined();
    expect(fetches()).toBe(2);
  });

  it('refetches after maxAge even for a known kid', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now, maxAgeMs: 60_000 });
    const a1 = await source.get('sig_a');
    expect(a1).toBeDefined();
    clock.advance(60_000);
    expect(await source.get('sig_a')).toBe(a1);
    expect(fetches()).toBe(1);

    // The server dropped key A; once stale, the set is replaced.
    serve({ keys: [keyB.publicJwk] });
    clock.advance(1);
    expect(await source.get('sig_a')).toBeUndefined();
    expect(fetches()).toBe(2);
    expect(await source.get('sig_b')).toBeDefined();
    expect(fetches()).toBe(2);
  });

  it('uses a 10 minute maxAge and a 30 s cooldown by default', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now });
    await source.get('sig_a');
    clock.advance(30_000);
    await source.get('sig_nope');
    expect(fetches()).toBe(1);
    clock.advance(1);
    await source.get('sig_nope');
    expect(fetches()).toBe(2);
    clock.advance(10 * 60_000);
    await source.get('sig_a');
    expect(fetches()).toBe(2);
    clock.advance(1);
    await source.get('sig_a');
    expect(fetches()).toBe(3);
  });

  it('shares one fetch among concurrent gets', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now });
    let release!: () => void;
    state.gate = new Promise<void>((r) => {
      release = r;
    });
    const arrived = new Promise<void>((r) => {
      state.onRequest = r;
    });

    const pending = [
      ...Array.from({ length: 20 }, () => source.get('sig_a')),
      ...Array.from({ length: 5 }, (_, i) => source.get(`sig_unknown_${i}`)),
    ];
    await arrived; // the one request is at the server and held there
    expect(fetches()).toBe(1);
    release();
    const results = await Promise.all(pending);
    expect(fetches()).toBe(1);
    const a = results[0];
    expect(a).toBeDefined();
    for (const k of results.slice(0, 20)) expect(k).toBe(a);
    for (const k of results.slice(20)) expect(k).toBeUndefined();
  });

  it('shares one refetch among concurrent gets of an unknown kid after the cooldown', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now });
    await source.get('sig_a');
    serve({ keys: [keyA.publicJwk, keyB.publicJwk] });
    clock.advance(31_000);

    let release!: () => void;
    state.gate = new Promise<void>((r) => {
      release = r;
    });
    const arrived = new Promise<void>((r) => {
      state.onRequest = r;
    });
    const pending = Array.from({ length: 10 }, () => source.get('sig_b'));
    await arrived;
    release();
    const results = await Promise.all(pending);
    expect(fetches()).toBe(2);
    for (const k of results) expect(k?.export({ format: 'jwk' }).x).toBe(keyB.publicJwk.x);
  });

  it('survives a 500: returns undefined without throwing, and recovers after the cooldown', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now });
    serve({ error: 'boom' }, 500);
    await expect(source.get('sig_a')).resolves.toBeUndefined();
    expect(fetches()).toBe(1);

    // The failure counts as a fetch for the cooldown: no hammering of a failing server.
    clock.advance(1000);
    await expect(source.get('sig_a')).resolves.toBeUndefined();
    expect(fetches()).toBe(1);

    serve({ keys: [keyA.publicJwk] });
    clock.advance(30_000);
    expect(await source.get('sig_a')).toBeDefined();
    expect(fetches()).toBe(2);
  });

  it('keeps the last good keys when a later refresh fails', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now, maxAgeMs: 60_000 });
    const a = await source.get('sig_a');
    expect(a).toBeDefined();
    serve('oops', 503);
    clock.advance(60_001);
    expect(await source.get('sig_a')).toBe(a);
    expect(fetches()).toBe(2);
  });

  it('survives a body that is not JSON or not a key set', async () => {
    const clock = makeClock();
    const source = remoteKeySource(url, { now: clock.now, cooldownMs: 1000 });
    state.body = '<html>not json';
    await expect(source.get('sig_a')).resolves.toBeUndefined();
    for (const body of [null, [], { keys: 'x' }, { keys: [null, 1, 'x', { kid: 'sig_a' }] }]) {
      serve(body);
      clock.advance(1001);
      await expect(source.get('sig_a')).resolves.toBeUndefined();
    }
    expect(fetches()).toBe(5);
  });

  it('ignores keys that are not Ed25519', async () => {
    const clock = makeClock();
    serve({
      keys: [
        { ...keyA.publicJwk, alg: 'RS256' },
        { kty: 'oct', k: keyB.publicJwk.x, kid: 'sig_b' },
        { ...keyB.publicJwk, kid: 'sig_c', crv: 'Ed448' },
      ],
    });
    const source = remoteKeySource(url, { now: clock.now });
    expect(await source.get('sig_a')).toBeUndefined();
    expect(await source.get('sig_b')).toBeUndefined();
    expect(await source.get('sig_c')).toBeUndefined();
  });

  it('gives up on a server that does not answer within timeoutMs', async () => {
    state.hang = true;
    const source = remoteKeySource(url, { now: makeClock().now, timeoutMs: 50 });
    await expect(source.get('sig_a')).resolves.toBeUndefined();
    expect(fetches()).toBe(1);
  });

  it('uses an injected fetch', async () => {
    const fake = vi.fn(async () => new Response(JSON.stringify({ keys: [keyB.publicJwk] })));
    const source = remoteKeySource('https://jwks.invalid/keys', {
      fetch: fake,
      now: makeClock().now,
    });
    expect(await source.get('sig_b')).toBeDefined();
    expect(fake).toHaveBeenCalledTimes(1);
    expect(fetches()).toBe(0);
  });
});

describe('staticKeySource', () => {
  it('serves the given keys and nothing else', async () => {
    const source = staticKeySource({ keys: [keyA.publicJwk] });
    expect((await source.get('sig_a'))?.export({ format: 'jwk' }).x).toBe(keyA.publicJwk.x);
    expect(await source.get('sig_b')).toBeUndefined();
    expect(await source.get('__proto__')).toBeUndefined();
  });
});

describe('createVerifier with a JWKS URL: key rotation', () => {
  const NOW = 1_700_000_000;
  const claims = (): SessionClaims => ({
    iss: 'https://latchkey.test',
    aud: 'latchkey',
    sub: 'org_0000000000000000000000',
    jti: 'tok_0000000000000000000000',
    iat: NOW,
    nbf: NOW,
    exp: NOW + 600,
    key: 'key_0000000000000000000000',
    grant: { models: ['*'], maxSessions: 1, origins: [], maxSessionSeconds: 60, metadata: {} },
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('verifies a token from a new key once the server publishes it', async () => {
    // Only Date is faked: the key source's default clock, moved by hand. No timers, no sleeps.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const verify = createVerifier({
      jwks: url,
      issuer: 'https://latchkey.test',
      audience: 'latchkey',
      now: () => NOW,
    });
    const oldToken = signSessionToken(claims(), keyA);
    const newToken = signSessionToken({ ...claims(), jti: 'tok_1111111111111111111111' }, keyB);

    expect((await verify(oldToken)).ok).toBe(true);
    expect(fetches()).toBe(1);
    const before = await verify(newToken);
    expect(before.ok).toBe(false);
    if (!before.ok) expect(before.code).toBe('INVALID_TOKEN');

    // Rotation: the server now publishes both keys. Within the cooldown the
    // verifier does not refetch, so the new token is still unknown.
    serve({ keys: [keyB.publicJwk, keyA.publicJwk] });
    vi.setSystemTime(new Date('2030-01-01T00:00:10Z'));
    expect((await verify(newToken)).ok).toBe(false);
    expect(fetches()).toBe(1);

    // After the cooldown, the unknown kid triggers one refetch and the token verifies.
    vi.setSystemTime(new Date('2030-01-01T00:00:31Z'));
    const after = await verify(newToken);
    expect(after.ok).toBe(true);
    if (after.ok) expect(after.claims.jti).toBe('tok_1111111111111111111111');
    expect(fetches()).toBe(2);
    expect((await verify(oldToken)).ok).toBe(true);
    expect((await verify(newToken)).ok).toBe(true);
    expect(fetches()).toBe(2);

    // The old key is retired; once the cached set is stale, old tokens are refused.
    serve({ keys: [keyB.publicJwk] });
    vi.setSystemTime(new Date('2030-01-01T00:11:00Z'));
    expect((await verify(oldToken)).ok).toBe(false);
    expect(fetches()).toBe(3);
    expect((await verify(newToken)).ok).toBe(true);
    expect(fetches()).toBe(3);
  });

  it('refuses tokens without throwing while the JWKS server fails', async () => {
    serve('nope', 500);
    const verify = createVerifier({
      jwks: url,
      issuer: 'https://latchkey.test',
      audience: 'latchkey',
      now: () => NOW,
    });
    const result = await verify(signSessionToken(claims(), keyA));
    expect(result).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    expect(fetches()).toBe(1);
  });
});
