// Signing in through the dashboard, second factor included, in real Chromium: TOTP turned
// on from the account page, a wrong password shows its code and what to do, the account
// is asked for a code and signed in with it, and the password-reset pages answer.
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
      const signUp = await context.request.post(`${lk.url}/v1/auth/sign-up/email`, {
        data: { email: EMAIL, password: PASSWORD },
      });
      expect(signUp.status()).toBe(200);
    });

    afterAll(async () => {
      await browser?.close();
      await lk?.close();
    });

    it('turns TOTP on from the account page, then signs out', async () => {
      await page.goto(`${lk.url}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      const totp = page.getByRole('region', { name: 'Two-factor authentication' });
      await totp.getByLabel('Password').fill(PASSWORD);
      await totp.getByRole('button', { name: 'Set up two-factor authentication' }).click();
      totpUri =
        (await totp.getByRole('figure', { name: 'Setup link' }).locator('pre').textContent()) ?? '';
      expect(totpUri).toMatch(/^otpauth:\/\/totp\//);
      await check('account-totp-setup');
      await totp.getByLabel('Code from the app').fill(totpCode(totpUri));
      await totp.getByRole('button', { name: 'Turn on' }).click();
      await totp.getByRole('button', { name: 'Turn off two-factor authentication' }).waitFor();
      await check('account');
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    });

    it('a wrong password shows the code and what to do', async () => {
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
