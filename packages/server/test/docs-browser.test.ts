// The docs site in real Chromium (Playwright): the Redoc reference at /docs renders
// the OpenAPI document with every request staying on 127.0.0.1, and the error-code
// table's anchors, which the error envelopes' `docs` links point at, work without
// JavaScript.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import type { RunningServer } from '../src/index.js';
import { embeddedConfig, IN_CI, type TempDir, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && !IN_CI)
  console.warn(
    `[latchkey tests] Chromium is not at ${CHROMIUM}: skipping the docs browser suite locally ` +
      '(under CI=true this is a failure). Install it with: node scripts/test-setup.mjs',
  );

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('the docs site in Chromium', () => {
  let dir: TempDir;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(
        `Chromium is not at ${CHROMIUM} and CI=true: failing, not skipping (node scripts/test-setup.mjs installs it)`,
      );
    dir = tempDir('lk-docs-');
    server = await startServer(embeddedConfig(dir.dir), { bootstrap: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    dir?.remove();
  });

  /** A fresh page per case, recording every request it makes and its console errors. */
  async function openPage(options: BrowserContextOptions = {}) {
    const context = await browser.newContext(options);
    const page: Page = await context.newPage();
    const requested: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    /** Requests that went over the network to anywhere but this machine's loopback. */
    const offMachine = () =>
      requested.filter((u) => {
        const { protocol, hostname } = new URL(u);
        return !['data:', 'blob:'].includes(protocol) && hostname !== '127.0.0.1';
      });
    return { page, requested, errors, offMachine, close: () => context.close() };
  }

  it('/docs renders the reference from the OpenAPI document, loading nothing from another host', async () => {
    const { page, requested, errors, offMachine, close } = await openPage();
    try {
      const res = await page.goto(`${server.url}/docs`);
      expect(res?.status()).toBe(200);
      await page
        .getByRole('heading', { name: 'Mint a session token' })
        .waitFor({ state: 'visible', timeout: 30_000 });
      // The body of POST /v1/tokens is rendered, not just named.
      await expect(page.getByText('expiresIn').first().isVisible()).resolves.toBe(true);
      expect(requested).toEqual(
        expect.arrayContaining([
          `${server.url}/docs`,
          expect.stringMatching(/\/docs\/assets\/redoc-[\d.]+\.standalone\.js$/),
        ]),
      );
      expect(offMachine()).toEqual([]);
      // Nothing failed to load, and the page's CSP refused nothing (a worker, an eval).
      expect(errors).toEqual([]);
      // The reference links to the error-code table.
      await page.getByRole('link', { name: 'Error codes' }).first().click();
      await page.waitForURL(`${server.url}/docs/errors`);
      await expect(page.locator('tr#API_KEY_REVOKED').isVisible()).resolves.toBe(true);
    } finally {
      await close();
    }
  });

  it("an envelope's docs link lands on its code's row, without JavaScript", async () => {
    const answer = await fetch(`${server.url}/v1/whoami`);
    const { error } = (await answer.json()) as { error: { code: string; docs: string } };
    expect(error.code).toBe('MISSING_API_KEY');
    expect(error.docs).toBe(`${server.url}/docs/errors#MISSING_API_KEY`);

    const { page, offMachine, close } = await openPage({ javaScriptEnabled: false });
    try {
      await page.goto(`${server.url}/docs/errors#API_KEY_REVOKED`);
      const row = page.locator('tr:target');
      await expect(row.getAttribute('id')).resolves.toBe('API_KEY_REVOKED');
      await expect(row.textContent()).resolves.toMatch(
        /API_KEY_REVOKED\s*401\s*The key was revoked by an org admin/,
      );
      await page.goto(error.docs);
      await expect(page.locator('tr:target').getAttribute('id')).resolves.toBe('MISSING_API_KEY');
      expect(offMachine()).toEqual([]);
    } finally {
      await close();
    }
  });
});
