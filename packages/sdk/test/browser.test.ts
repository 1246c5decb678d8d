// The browser entry in real Chromium (Playwright): the example app's page imports
// the SDK's built files natively (no bundler), signs in, and mints a session token
// through the example backend's token route, against a real Latchkey server.
import { existsSync } from 'node:fs';
import { generateKey } from '@latchkey/core';
import { createVerifier } from '@latchkey/core/node';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample } from '../../../examples/web-app/src/app.js';
import { CHROMIUM, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import { IN_CI, type Latchkey, startLatchkey } from './helpers.js';

const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && !IN_CI)
  console.warn(
    `[latchkey tests] Chromium is not at ${CHROMIUM}: skipping the browser suite locally ` +
      '(under CI=true this is a failure). Install it with: node scripts/test-setup.mjs',
  );

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)(
  'the browser entry in Chromium, through the example app',
  () => {
    let lk: Latchkey;
    let app: Awaited<ReturnType<typeof startExample>>;
    let browser: Browser;
    let page: Page;
    const requested: string[] = [];
    const bodies: string[] = [];
    const consoleLines: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      if (!HAVE_CHROMIUM)
        throw new Error(
          `Chromium is not at ${CHROMIUM} and CI=true: failing, not skipping (node scripts/test-setup.mjs installs it)`,
        );
      lk = await startLatchkey();
      app = await startExample({ apiKey: lk.key, platformUrl: lk.url, port: 0 });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...HEADLESS_ARGS],
      });
      page = await browser.newPage();
      page.on('request', (r) => requested.push(r.url()));
      page.on('response', async (r) => {
        bodies.push(await r.text().catch(() => ''));
      });
      page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await lk?.close();
    });

    const ready = async () => {
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    };
    const status = () => page.textContent('#token-status');

    it('loads the page and the SDK as native ES modules', async () => {
      await page.goto(app.url);
      await ready();
      expect(requested).toEqual(
        expect.arrayContaining([
          `${app.url}/app.js`,
          `${app.url}/vendor/@latchkey/sdk/index.js`,
          `${app.url}/vendor/@latchkey/core/index.js`,
        ]),
      );
      expect(pageErrors).toEqual([]);
    });

    it('a visitor who is not signed in is refused, with what to do', async () => {
      await page.click('#get-token');
      await page.waitForFunction(() =>
        document.querySelector('#token-status')?.textContent?.startsWith('UNAUTHORIZED'),
      );
      expect(await status()).toMatch(
        /^UNAUTHORIZED: This request is not signed in to the app.*Sign in to the app first/,
      );
      expect(await page.isHidden('#token-claims')).toBe(true);
    });

    it('after signing in, the page gets a token for that user through the backend', async () => {
      await page.fill('#name', 'Ada Lovelace');
      await Promise.all([page.waitForURL(`${app.url}/`), page.click('#signin-form button')]);
      await ready();
      expect(await page.textContent('#signed-in')).toBe(
        'Signed in as Ada Lovelace (u_ada-lovelace)',
      );
      await page.click('#get-token');
      await page.waitForSelector('#token-claims:not([hidden])');
      expect(await status()).toBe('Got a session token.');
      expect(await page.textContent('#token-id')).toMatch(/^tok_[0-9A-Za-z]{22}$/);
      expect(await page.textContent('#token-models')).toBe('echo');
      expect(await page.textContent('#token-user')).toBe('u_ada-lovelace');
    });

    it('the token minted from the page verifies against the platform, with the grant the backend chose', async () => {
      // Written as a string: the test runner would rewrite a dynamic import() in a function.
      const token = (await page.evaluate(`(async () => {
      const sdk = await import('@latchkey/sdk');
      const client = sdk.createClient({ token: sdk.tokenFromRoute('/api/latchkey/token') });
      return client.getToken();
    })()`)) as string;
      const v = await createVerifier({
        jwks: `${lk.url}/.well-known/jwks.json`,
        issuer: lk.url,
        audience: 'latchkey',
      })(token);
      if (!v.ok) throw new Error(`${v.code}: ${v.message}`);
      expect(v.grant).toMatchObject({
        models: ['echo'],
        maxSessions: 1,
        metadata: { userId: 'u_ada-lovelace' },
      });
      expect(v.claims.exp - v.claims.iat).toBe(600);
    });

    it('refuses a raw API key in the browser, and warns once when told to allow it', async () => {
      const fakeKey = generateKey('app'); // well-formed, known to no server: it goes nowhere
      const result = (await page.evaluate(`(async () => {
      const sdk = await import('@latchkey/sdk');
      const key = ${JSON.stringify(fakeKey)};
      let refused = '';
      try {
        sdk.createClient({ apiKey: key, baseUrl: 'http://127.0.0.1:9' });
      } catch (e) {
        refused = e.name + ': ' + e.message;
      }
      sdk.createClient({ apiKey: key, baseUrl: 'http://127.0.0.1:9', dangerouslyAllowBrowser: true });
      sdk.createClient({ apiKey: key, baseUrl: 'http://127.0.0.1:9', dangerouslyAllowBrowser: true });
      return { refused, codes: Object.keys(sdk.ERROR_CODES).length };
    })()`)) as { refused: string; codes: number };
      expect(result.refused).toMatch(
        /^TypeError: createClient: apiKey: refusing to use a secret API key in a browser/,
      );
      expect(result.codes).toBeGreaterThan(15);
      const warnings = consoleLines.filter((l) =>
        l.startsWith('warning: [latchkey] dangerouslyAllowBrowser'),
      );
      expect(warnings).toHaveLength(1);
    });

    it('the page only ever talked to its own origin, and never received the key', () => {
      expect(requested.length).toBeGreaterThan(5);
      for (const url of requested) expect(url.startsWith(`${app.url}/`), url).toBe(true);
      for (const body of bodies) expect(body).not.toContain(lk.key);
      expect(pageErrors).toEqual([]);
    });
  },
);
