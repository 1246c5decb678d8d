// The dashboard as a person uses it, in real Chromium against a real server: sign up,
// create an org, create a key and read its one-time secret, mint a token with it, revoke
// it in the page, watch the next mint be refused, and find all of it in the audit log
// with the user as actor. axe runs on every page visited, and each page is screenshotted.
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

const EMAIL = 'ada@example.test';
const PASSWORD = 'correct horse battery';

describe.skipIf(!chromiumGate())('the dashboard, in Chromium', { timeout: BROWSER_TEST_MS }, () => {
  let lk: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  let secret = '';
  const problems: string[] = [];
  const axe: Record<string, string[]> = {};

  /** axe and a screenshot of the page as it is now. */
  const check = async (name: string, on: Page = page) => {
    await on.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    axe[name] = await seriousViolations(on);
    expect(axe[name], `axe on ${name}`).toEqual([]);
    expect(await unreachableByKeyboard(on), `keyboard on ${name}`).toEqual([]);
  };

  const mint = (key: string) =>
    fetch(`${lk.url}/v1/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    requireChromium();
    lk = await startDashboardServer();
    shots = screenshotDir();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
    page.on('console', (m) => {
      // A CSP refusal would show up here: the page must run under the server's policy.
      if (m.type() === 'error' && !/status of 40[14]/.test(m.text()))
        problems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    console.log(`[dashboard] axe serious/critical violations per page: ${JSON.stringify(axe)}`);
    await browser?.close();
    await lk?.close();
  });

  it('sends a signed-out visitor to sign in, and from there to sign up', async () => {
    await page.goto(`${lk.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await check('sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await check('forgot-password');
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await check('sign-up');
  });

  it('signs up, and a new account with no org is asked to create one', async () => {
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
    await check('new-org');
  });

  it('creates an org, which opens on the first-key guide with this server in it', async () => {
    await page.getByLabel('Name').fill('Acme Robotics');
    await page.getByLabel('Slug').fill('acme');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'Create your first key' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/keys');
    await expect(page.locator('main').textContent()).resolves.toContain(
      `curl -X POST ${lk.url}/v1/tokens -H "Authorization: Bearer rk_…"`,
    );
    await check('first-key-guide');
  });

  it('creates a key and shows its secret once, ready to paste', async () => {
    await page.getByRole('button', { name: 'Create a key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('production backend');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const reveal = page.getByRole('dialog', { name: 'Your new key' });
    await reveal.waitFor();
    secret = await reveal.getByLabel('Secret key').inputValue();
    expect(secret).toMatch(/^rk_[0-9A-Za-z]{38}$/);
    expect(await reveal.textContent()).toContain(
      `curl -X POST ${lk.url}/v1/tokens -H "Authorization: Bearer ${secret}"`,
    );
    // The copy button puts the same secret on the clipboard (read here by the test).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lk.url });
    await reveal.getByRole('button', { name: 'Copy key' }).click();
    await reveal.getByText('✓ copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await check('key-created');
    await reveal.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await expect(
      page.getByRole('row', { name: /production backend/ }).textContent(),
    ).resolves.toMatch(/active/);
    await check('keys');
  });

  it('the key mints a session token from outside the browser', async () => {
    const res = await mint(secret);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { token: string }).token).toMatch(/^ey/);
  });

  it('renames the key in a small dialog, and the list shows the new name', async () => {
    await page.getByRole('button', { name: 'Rename production backend' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename production backend' });
    const name = dialog.getByLabel('New name');
    expect(await name.inputValue()).toBe('production backend');
    await name.fill('production backend (eu)');
    await check('rename-dialog');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /production backend \(eu\).*active/ }).waitFor();
  });

  it('revokes the key in the page, after a confirmation that says what happens', async () => {
    await page.getByRole('button', { name: 'Revoke production backend' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke production backend' });
    await expect(dialog.textContent()).resolves.toMatch(/stops working everywhere/);
    await dialog.getByLabel('Reason').fill('leaked in a test');
    await dialog.getByLabel('Also end its live sessions').check();
    await check('revoke-dialog');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /production backend.*revoked/ }).waitFor();
  });

  it('the next mint with the revoked key is refused', async () => {
    const res = await mint(secret);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('API_KEY_REVOKED');
  });

  it('the audit page shows the key created, used and revoked, by the user', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    await page.getByRole('table', { name: 'Audit events' }).waitFor();
    const rows = await page
      .getByRole('table', { name: 'Audit events' })
      .locator('tbody tr')
      .allTextContents();
    const mine = rows.filter((r) => r.includes(`you (${EMAIL})`));
    expect(mine.some((r) => /key.*creat/i.test(r))).toBe(true);
    expect(mine.some((r) => /key.*revok/i.test(r))).toBe(true);
    await check('audit');
    // The export holds them too, oldest first.
    const href = await page.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href');
    const exported = await page.request.get(`${lk.url}${href}`);
    expect(exported.status()).toBe(200);
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; actor: string });
    expect(lines.some((l) => /revok/.test(l.action) && l.actor.startsWith('user:'))).toBe(true);
  });

  it('invites a viewer, who sees the keys but no create button, and whom the API refuses', async () => {
    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await page.getByRole('heading', { name: 'Invite someone' }).waitFor();
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Email').fill('bob@example.test');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const link =
      (await page.getByRole('figure', { name: 'Invite link' }).locator('pre').textContent()) ?? '';
    expect(link).toMatch(/\/invitations\/[^/\s]+$/);
    await check('members-invited');

    const bob = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const bobPage = await bob.newPage();
    try {
      await bobPage.goto(new URL(new URL(link).pathname, lk.url).href);
      await bobPage.getByRole('heading', { name: 'Join Acme Robotics' }).waitFor();
      await check('invitation', bobPage);
      await bobPage.getByRole('link', { name: 'Create an account' }).click();
      await bobPage.getByLabel('Email').fill('bob@example.test');
      await bobPage.getByLabel('Password').fill(PASSWORD);
      await bobPage.getByRole('button', { name: 'Create account' }).click();
      await bobPage.getByRole('button', { name: 'Accept invitation' }).click();
      await bobPage.getByRole('heading', { name: 'API keys' }).waitFor();
      await bobPage.getByRole('row', { name: /production backend/ }).waitFor();
      expect(await bobPage.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      expect(await bobPage.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
      expect(await bobPage.getByRole('button', { name: /^Rename/ }).count()).toBe(0);
      await check('keys-as-viewer', bobPage);
      const refused = await bobPage.request.post(`${lk.url}/v1/orgs/acme/keys`, {
        data: { name: 'sneaky' },
      });
      expect(refused.status()).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'DEVELOPER_ROLE_REQUIRED',
      );
    } finally {
      await bob.close();
    }
  });

  it('changes the viewer to developer, after a confirmation', async () => {
    await page.reload();
    const role = page.getByLabel('Role of bob@example.test');
    await role.selectOption('developer');
    const dialog = page.getByRole('dialog', { name: 'Make bob@example.test developer?' });
    await expect(dialog.textContent()).resolves.toMatch(/instead of viewer/);
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect(role.inputValue()).resolves.toBe('developer');
  });

  it('the other org pages load, with their empty states', async () => {
    for (const [link, heading, name] of [
      ['Sessions', 'Sessions', 'sessions'],
      ['Usage', 'Usage', 'usage'],
      ['Members', 'Members', 'members'],
      ['Settings', 'Settings', 'settings'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await check(name);
    }
  });

  it('fits a 360 px wide screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    for (const path of ['keys', 'audit']) {
      await page.goto(`${lk.url}/orgs/acme/${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(wide, `/orgs/acme/${path} at 360 px`).toBeLessThanOrEqual(360);
      await check(`${path}-360px`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('signs out, and ran without a page error or a CSP refusal', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(problems.join('\n')).toBe('');
  });
});
