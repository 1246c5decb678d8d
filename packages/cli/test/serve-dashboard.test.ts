// `latchkey serve` hands the server the built dashboard (the server never imports it):
// the page is at `/` on the API's origin, and the start-up lines say where.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve, tempDir } from './helpers.js';

describe('latchkey serve and the dashboard', () => {
  let served: Served;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    served = await serve(['--data-dir', dir, '--no-runtime']);
  });

  afterAll(async () => {
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the dashboard URL and serves its page at / and for its routes', async () => {
    expect(served.output()).toContain(`Dashboard: ${served.url}/`);
    for (const path of ['/', '/sign-in', '/orgs/dev/keys']) {
      const res = await fetch(`${served.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await res.text();
      expect(html).toMatch(/<div id="root"><\/div>/);
      const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1] ?? '';
      const js = await fetch(`${served.url}${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('cache-control')).toContain('immutable');
    }
    expect((await fetch(`${served.url}/v1/me`)).status).toBe(401);
  });

  it('--no-dashboard leaves it out', async () => {
    const other = tempDir();
    const without = await serve(['--data-dir', other, '--no-runtime', '--no-dashboard']);
    try {
      expect(without.output()).not.toContain('Dashboard:');
      const res = await fetch(`${without.url}/`);
      expect(res.status).toBe(404);
    } finally {
      await without.stop();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
