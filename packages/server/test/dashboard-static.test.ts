// The dashboard, as the server serves it from the folder the CLI hands over (a fixture
// here: the server never depends on the dashboard package): files with their caching,
// the page as the fallback for app routes under a strict CSP, and the API untouched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiPath } from '../src/http/dashboard.js';
import type { RunningServer } from '../src/index.js';
import { embeddedConfig, type TempDir, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const PAGE =
  '<!doctype html><title>Latchkey</title><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('the dashboard at /', () => {
  let data: TempDir;
  let site: TempDir;
  let server: RunningServer;

  beforeAll(async () => {
    data = tempDir();
    site = tempDir('latchkey-site-');
    mkdirSync(join(site.dir, 'assets'));
    writeFileSync(join(site.dir, 'index.html'), PAGE);
    writeFileSync(join(site.dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(site.dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    server = await startServer(embeddedConfig(data.dir), {
      runtime: false,
      bootstrap: false,
      dashboardDir: site.dir,
    });
  });

  afterAll(async () => {
    await server?.close();
    data?.remove();
    site?.remove();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers });

  it('serves the page at / and for app routes, no-cache, under a strict CSP', async () => {
    for (const path of [
      '/',
      '/orgs/acme/keys',
      '/invitations/tok_123',
      '/reset-password?token=t',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(PAGE);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves hashed assets for a year, gzipped when asked, and answers 304 to its ETag', async () => {
    const res = await get('/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe(SCRIPT); // fetch inflates it
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/assets/index-abc123.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    const icon = await get('/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    expect(icon.headers.get('content-security-policy')).toBeNull();
  });

  it('a missing asset is a 404, never the page', async () => {
    const res = await get('/assets/index-old999.js');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('leaves the API alone: its 404s, 405s, docs and health stay what they were', async () => {
    const missing = await get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const wrongMethod = await get('/v1/tokens');
    expect(wrongMethod.status).toBe(405);
    expect((await get('/v2/anything')).status).toBe(404);
    expect((await get('/.well-known/nothing')).status).toBe(404);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/docs')).headers.get('content-type')).toMatch(/text\/html/);
    expect((await get('/v1/me')).status).toBe(401);
    // Not a GET: the page is never the answer.
    const post = await fetch(`${server.url}/orgs/acme`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('knows the API paths from the app routes', () => {
    for (const p of [
      '/v1',
      '/v1/me',
      '/v2/x',
      '/docs',
      '/docs/errors',
      '/healthz',
      '/readyz',
      '/metrics',
      '/.well-known/jwks.json',
      '/runtime-host',
    ])
      expect(isApiPath(p), p).toBe(true);
    for (const p of [
      '/',
      '/sign-in',
      '/orgs/v1',
      '/orgs/acme/keys',
      '/invitations/abc',
      '/version',
    ])
      expect(isApiPath(p), p).toBe(false);
  });

  it('refuses at start-up a folder with no built dashboard', async () => {
    const empty = tempDir('latchkey-empty-');
    const other = tempDir();
    try {
      await expect(
        startServer(embeddedConfig(other.dir), { runtime: false, dashboardDir: empty.dir }),
      ).rejects.toThrow(/has no index.html/);
    } finally {
      empty.remove();
      other.remove();
    }
  });
});
