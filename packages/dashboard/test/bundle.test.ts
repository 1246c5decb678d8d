// What ships: the built page loads its code from files only (the server's CSP allows no
// inline script), and the JavaScript a first visit loads stays within budget. The
// charting library is loaded only by the usage page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST } from './helpers.js';

/** Initial JS, gzipped: React, the router, the query cache and every page but the charts. */
const BUDGET_BYTES = 250 * 1024;

const html = () => readFileSync(join(DIST, 'index.html'), 'utf8');

/** The scripts index.html loads at once: its module entry and the chunks it preloads. */
function initialScripts(page: string): string[] {
  const srcs = [...page.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] as string);
  const preloads = [...page.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  return [...srcs, ...preloads];
}

describe('the built dashboard', () => {
  it('has no inline script or style in its page', () => {
    const page = html();
    for (const tag of page.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [])
      expect(tag, 'an inline script').toMatch(/<script[^>]*\bsrc="[^"]+"[^>]*><\/script>/);
    expect(page).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  });

  it('loads at most 250 KB of JavaScript (gzip) at first, and the charts later', () => {
    const scripts = initialScripts(html());
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const src of scripts) {
      const code = readFileSync(join(DIST, src.replace(/^\//, '')));
      gzipped += gzipSync(code).byteLength;
      // uPlot's own class names: its code, not just the name of the chunk that holds it.
      expect(/u-over|u-cursor-x/.test(code.toString('utf8')), `${src} holds uPlot`).toBe(false);
    }
    console.log(`[dashboard] initial JS: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
    const chunks = readdirSync(join(DIST, 'assets'));
    expect(
      chunks.some((f) => /^uPlot.*\.js$/.test(f)),
      'uPlot is a chunk of its own',
    ).toBe(true);

    // The README states the size; keep it honest (within 10 %).
    const readme = readFileSync(join(DIST, '../README.md'), 'utf8');
    const stated = /initial JavaScript is \*{0,2}([\d.]+) KB\*{0,2} gzipped/.exec(readme)?.[1];
    expect(stated, 'README.md states the gzip size of the initial JS').toBeDefined();
    expect(Math.abs(Number(stated) * 1024 - gzipped) / gzipped).toBeLessThan(0.1);
  });
});
