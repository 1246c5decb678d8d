// Signing in through the dashboard, second factor included, in real Chromium: a wrong
// password shows its code and what to do, an account with TOTP on is asked for a code
// and signed in with it, and the password-reset pages answer as they should.
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import {
  BROWSER_TEST_MS,
  chromiumGate,
  type DashboardServer,
  requireChromium,
  screenshotDir,
  seriousViolations,
  startDashboardServer,
  unreachableByKeyboard,
} from './helpers.js';
import { totpCode } from './totp.js';

const EMAIL = 'grace@example.test';
const PASSWORD = 'a long enough password';

describe.skipIf(!chromiumGate())(
  'signing in to the dashboard',
  { timeout: BROWSER_TEST_MS },
  () => {
    let lk: DashboardServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let shots: string;
    let totpUri = '';

    const check = async (name: string) => {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
      expect(await unreachableByKeyboard(page), `keyboard on ${name}`).toEqual([]);
    };

    beforeAll(async () => {
      requireChromium();
      lk = await startDashboardServer();
      shots = screenshotDir();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
      context = await browser.newContext();
      page = await context.newPage();
      // An account with TOTP on, set up through the API (the dashboard's settings for it
      // are a later slice).
      const api = context.request;
      const signUp = await api.post(`${lk.url}/v1/auth/sign-up/email`, {
        data: { email: EMAIL, password: PASSWORD },
      });
      expect(signUp.status()).toBe(200);
      const enable = await api.post(`${lk.url}/v1/auth/two-factor/enable`, {
        data: { password: PASSWORD },
      });
      expect(enable.status()).toBe(200);
      totpUri = ((await enable.json()) as { totpURI: string }).totpURI;
      const confirm = await api.post(`${lk.url}/v1/auth/two-factor/verify-totp`, {
        data: { code: totpCode(totpUri) },
      });
      expect(confirm.status()).toBe(200);
      await api.post(`${lk.url}/v1/auth/sign-out`, { data: {} });
    });

    afterAll(async () => {
      await browser?.close();
      await lk?.close();
    });

    it('a wrong password shows the code and what to do', async () => {
      await page.goto(`${lk.url}/sign-in`);
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/INVALID_CREDENTIALS/);
      expect(await alert.textContent()).toMatch(/What to do:/);
      await check('sign-in-refused');
    });

    it('with TOTP on, asks for the code, and signs in with it', async () => {
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      await check('second-factor');
      await page.getByLabel('Authentication code').fill(totpCode(totpUri));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
    });

    it('the reset page without a token says where to get one; with a bad one, why it failed', async () => {
      await page.goto(`${lk.url}/reset-password`);
      await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
      await page.goto(`${lk.url}/reset-password?token=not-a-real-token`);
      await page.getByLabel('New password', { exact: true }).fill('another long password');
      await page.getByLabel('Repeat the new password').fill('another long password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('alert').waitFor();
      await check('reset-password-refused');
    });

    it('a sign-in link that was no good says so on the sign-in page', async () => {
      await context.clearCookies();
      // Where the server sends a used or expired one-time link: its callback, with the code.
      await page.goto(`${lk.url}/?error=INVALID_TOKEN`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await expect(page.getByRole('status').textContent()).resolves.toMatch(
        /That sign-in link cannot be used \(INVALID_TOKEN\)/,
      );
      await check('sign-in-link-refused');
    });

    it('asking for a reset link never says whether the account exists', async () => {
      await page.goto(`${lk.url}/forgot-password`);
      await page.getByLabel('Email').fill('nobody@example.test');
      await page.getByRole('button', { name: 'Send the link' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toMatch(
        /If an account exists for nobody@example.test/,
      );
    });
  },
);
