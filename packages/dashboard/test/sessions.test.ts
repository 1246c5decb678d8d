// The Sessions page against a server with the demo models: a session opened with a key
// shows up by itself (the page polls), and "End" ends it on the platform, after a
// confirmation. (Ending it in a browser that holds its media is the SDK's side, tested
// there; this is the dashboard's.)
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

describe.skipIf(!chromiumGate())('the Sessions page', { timeout: BROWSER_TEST_MS }, () => {
  let lk: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let key = '';

  beforeAll(async () => {
    requireChromium();
    lk = await startDashboardServer({}, { models: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
    context = await browser.newContext();
    page = await context.newPage();
    // An account, an org and a key, through the API the page uses.
    const api = context.request;
    const email = 'lin@example.test';
    expect(
      (
        await api.post(`${lk.url}/v1/auth/sign-up/email`, {
          data: { email, password: 'a long enough password' },
        })
      ).status(),
    ).toBe(200);
    expect(
      (await api.post(`${lk.url}/v1/orgs`, { data: { name: 'Studio', slug: 'studio' } })).status(),
    ).toBe(201);
    const created = await api.post(`${lk.url}/v1/orgs/studio/keys`, { data: { name: 'backend' } });
    key = ((await created.json()) as { secret: string }).secret;
  });

  afterAll(async () => {
    await browser?.close();
    await lk?.close();
  });

  it('shows an open session by itself, and ends it after a confirmation', async () => {
    await page.goto(`${lk.url}/orgs/studio/sessions`);
    await page.getByText('No open sessions right now.').waitFor();
    const opened = await fetch(`${lk.url}/v1/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'echo' }),
    });
    expect(opened.status).toBe(201);
    const { sessionId } = (await opened.json()) as { sessionId: string };
    // No reload: the page refetches every few seconds.
    const row = page.getByRole('row', { name: new RegExp(sessionId) });
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toMatch(/echo/);
    const shots = screenshotDir();
    await page.screenshot({ path: join(shots, 'sessions-open.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(await unreachableByKeyboard(page)).toEqual([]);

    await page.getByRole('button', { name: `End session ${sessionId}` }).click();
    const dialog = page.getByRole('dialog', { name: 'End this session?' });
    await expect(dialog.textContent()).resolves.toMatch(/ends now/);
    await dialog.getByRole('button', { name: 'End session' }).click();
    await row.waitFor({ state: 'detached' });
    const after = await fetch(`${lk.url}/v1/sessions/${sessionId}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const state = (await after.json()) as { state: string; closeReason: string };
    expect([state.state, state.closeReason]).toEqual(['closed', 'ended_by_member']);
  });
});
