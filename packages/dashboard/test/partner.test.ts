// An instance admin's path in the dashboard: made by the operator (`latchkey admin user
// create --instance-admin`, here its in-process API), they choose a password through the
// one-time link, sign in, create an org, mark it a partner, and then see the Registry page
// and may create partner keys, whose revoke offers to end their registry credentials.
import { join } from 'node:path';
import { createAdminApi } from '@latchkey/server';
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

const EMAIL = 'root@example.test';
const PASSWORD = 'the operator chose this';

describe.skipIf(!chromiumGate())(
  'an instance admin and a partner org',
  { timeout: BROWSER_TEST_MS },
  () => {
    let lk: DashboardServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let shots: string;
    let link = '';

    const check = async (name: string) => {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
      expect(await unreachableByKeyboard(page), `keyboard on ${name}`).toEqual([]);
    };

    beforeAll(async () => {
      requireChromium();
      lk = await startDashboardServer();
      shots = screenshotDir();
      const made = await createAdminApi(lk.server.platform).createUser({
        email: EMAIL,
        instanceAdmin: true,
        actor: 'cli:test',
      });
      if (!made.ok) throw new Error(`admin user create failed: ${made.error.message}`);
      link = made.value.passwordLink;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
      context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      page = await context.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      await lk?.close();
    });

    it('chooses a password through the one-time link, then signs in with it', async () => {
      expect(link).toMatch(/\/reset-password\?token=/);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await check('reset-password');
      await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat the new password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
    });

    it('marks a new org a partner, which brings the Registry page', async () => {
      await page.getByLabel('Name').fill('Model Makers');
      await page.getByLabel('Slug').fill('makers');
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.getByRole('heading', { name: 'Create your first key' }).waitFor();
      expect(await page.getByRole('link', { name: 'Registry' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Model partner (partner keys, the registry)').check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await check('settings-partner');
      await page.getByRole('link', { name: 'Registry' }).click();
      await page.getByRole('heading', { name: 'Registry' }).waitFor();
      await page.getByText('No registry credentials issued yet.').waitFor();
      expect(await page.locator('main').textContent()).toContain('latchkey auth docker-login');
      await check('registry');
    });

    it('creates a partner key, whose revoke offers to end its registry credentials', async () => {
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: 'Create a key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create an API key' });
      await dialog.getByLabel('Name').fill('push from CI');
      await dialog.getByLabel(/Partner key/).check();
      await dialog.getByRole('button', { name: 'Create key' }).click();
      const reveal = page.getByRole('dialog', { name: 'Your new key' });
      expect(await reveal.getByLabel('Secret key').inputValue()).toMatch(/^rp_/);
      await reveal.getByRole('button', { name: 'I have stored it' }).click();
      await page.getByRole('button', { name: 'Revoke push from CI' }).click();
      const revoke = page.getByRole('dialog', { name: 'Revoke push from CI' });
      await revoke.getByLabel('Also end its registry credentials').check();
      await check('revoke-partner-key');
      await revoke.getByRole('button', { name: 'Revoke key' }).click();
      await page.getByRole('row', { name: /push from CI.*revoked/ }).waitFor();
    });

    it('authorizes the CLI at /device, and the CLI gets a new partner key', async () => {
      // The CLI's side of `latchkey auth login` (RFC 8628), played by the test.
      const json = { 'content-type': 'application/json' };
      const started = await fetch(`${lk.url}/v1/device/code`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ clientName: 'build-box' }),
      });
      expect(started.status).toBe(200);
      const { deviceCode, verificationUriComplete } = (await started.json()) as {
        deviceCode: string;
        verificationUriComplete: string;
      };
      await page.goto(verificationUriComplete);
      await page.getByRole('heading', { name: 'Authorize the CLI on build-box?' }).waitFor();
      await check('device');
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.getByRole('heading', { name: 'The CLI is signed in' }).waitFor();
      const polled = await fetch(`${lk.url}/v1/device/token`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ deviceCode }),
      });
      expect(polled.status).toBe(200);
      expect(((await polled.json()) as { apiKey: string }).apiKey).toMatch(/^rp_/);
      await page.getByRole('link', { name: "Model Makers's API keys" }).click();
      await page.getByRole('row', { name: /cli on build-box.*active/ }).waitFor();
    });
  },
);
