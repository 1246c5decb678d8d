// The guards that keep keys out of pages, in Node with browser globals stood in
// (the real-Chromium test covers the same in a browser), and the dev helper
// against a real server.
import { generateKey } from '@latchkey/core';
import { createVerifier } from '@latchkey/core/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, fetchInsecureToken } from '../src/index.js';
import { type Latchkey, startLatchkey } from './helpers.js';

const g = globalThis as Record<string, unknown>;

function pretendBrowser() {
  g.window = globalThis;
  g.document = {};
  g.location = { href: 'http://app.local/shop/page' };
}
function stopPretending() {
  delete g.window;
  delete g.document;
  delete g.location;
}

afterEach(() => {
  stopPretending();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('in a browser', () => {
  it('refuses a raw API key, and says what to do instead', () => {
    pretendBrowser();
    const key = generateKey('app');
    expect(() => createClient({ apiKey: key, baseUrl: 'http://127.0.0.1:8787' })).toThrow(
      TypeError,
    );
    expect(() => createClient({ apiKey: key, baseUrl: 'http://127.0.0.1:8787' })).toThrow(
      /refusing to use a secret API key in a browser.*createTokenHandler.*dangerouslyAllowBrowser: true/,
    );
    expect(() => createClient({ apiKey: generateKey('partner') })).toThrow(
      /refusing to use a secret API key/,
    );
    expect(() => createClient({ token: key })).toThrow(
      /token: this is an API key, not a session token/,
    );
    expect(() => createClient()).toThrow(/no credentials: in a browser pass token/);
  });

  it('with dangerouslyAllowBrowser: true, allows it and warns once', () => {
    pretendBrowser();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const key = generateKey('app');
    createClient({ apiKey: key, dangerouslyAllowBrowser: true });
    createClient({ apiKey: key, dangerouslyAllowBrowser: true });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^\[latchkey\] dangerouslyAllowBrowser is on: this page holds a secret API key/,
    );
  });

  it('takes proxy and baseUrl paths relative to the page', () => {
    pretendBrowser();
    expect(createClient({ proxy: '/api/latchkey/' }).baseUrl).toBe('http://app.local/api/latchkey');
    expect(createClient({ token: 'a.b.c', baseUrl: '/latchkey' }).baseUrl).toBe(
      'http://app.local/latchkey',
    );
  });

  it('does not count as a browser in Node', () => {
    expect(() => createClient({ apiKey: generateKey('app') })).not.toThrow();
  });
});

describe('fetchInsecureToken', () => {
  let lk: Latchkey;
  beforeAll(async () => {
    lk = await startLatchkey();
  });
  afterAll(() => lk?.close());

  it('mints with the key, warning once that it exposes it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    pretendBrowser();
    const created = await fetchInsecureToken(lk.key, {
      baseUrl: lk.url,
      models: ['echo'],
      expiresIn: 120,
    });
    await fetchInsecureToken(lk.key, { baseUrl: lk.url });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /fetchInsecureToken sends your API key.*local development only/,
    );
    const v = await createVerifier({
      jwks: `${lk.url}/.well-known/jwks.json`,
      issuer: lk.url,
      audience: 'latchkey',
    })(created.token);
    expect(v.ok && v.grant.models).toEqual(['echo']);
  });

  it('refuses when NODE_ENV is production unless forced', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('NODE_ENV', 'production');
    await expect(fetchInsecureToken(lk.key, { baseUrl: lk.url })).rejects.toThrow(
      /refuses to run when NODE_ENV is "production".*createTokenHandler.*force: true/,
    );
    const forced = await fetchInsecureToken(lk.key, { baseUrl: lk.url, force: true });
    expect(forced.tokenId).toMatch(/^tok_/);
  });

  it('checks its arguments', async () => {
    await expect(fetchInsecureToken('rk_nope', { baseUrl: lk.url })).rejects.toThrow(
      /fetchInsecureToken: apiKey is not a Latchkey key/,
    );
    await expect(
      fetchInsecureToken(lk.key, { baseUrl: lk.url, modles: [] } as never),
    ).rejects.toThrow(/unknown option "modles"/);
    await expect(
      fetchInsecureToken(lk.key, { baseUrl: lk.url, force: 'yes' as never }),
    ).rejects.toThrow(/force must be a boolean/);
  });
});
