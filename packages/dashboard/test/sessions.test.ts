// The Sessions page against a server with the demo models: a live echo session, held
// by a second browser page through the SDK (its built files, natively, with a fake
// camera), shows up by itself (the page polls); "End" ends it after a confirmation,
// and the page that holds it sees it close with the reason ended_by_member.
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, FAKE_MEDIA_ARGS, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import { pageServer } from '../../sdk/test/browser-page.js';
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
  let holder: Page;
  let site: Awaited<ReturnType<typeof pageServer>>;
  let key = '';

  beforeAll(async () => {
    requireChromium();
    lk = await startDashboardServer({}, { models: true });
    site = await pageServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
    });
    // The app's user: another context (no dashboard cookie), on the page's own origin.
    holder = await (await browser.newContext()).newPage();
    await holder.goto(`${site.url}/`);
    // Written as a string: the test runner would rewrite a dynamic import() in a function.
    await holder.evaluate(`import('@latchkey/sdk').then((m) => { window.sdk = m; })`);
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
    await site?.close();
    await lk?.close();
  });

  it('shows a live session by itself; End ends it in the browser that holds it', async () => {
    await page.goto(`${lk.url}/orgs/studio/sessions`);
    await page.getByText('No open sessions right now.').waitFor();
    // The app's backend mints a token; the app's page connects to echo with it.
    const minted = await fetch(`${lk.url}/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ models: ['echo'], origins: [site.url], expiresIn: 600 }),
    });
    expect(minted.status).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    const held = await holder.evaluate(
      async ({ token, baseUrl }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the SDK as the page imported it
        const w = window as any;
        Object.assign(w, { statuses: [], closedReasons: [] });
        const camera = await navigator.mediaDevices.getUserMedia({ video: true });
        const client = w.sdk.createClient({ token, baseUrl });
        const session = await client.realtime.connect({
          model: 'echo',
          localStream: camera,
          onStatusChange: (s: string) => w.statuses.push(s),
        });
        session.on('closed', ({ reason }: { reason: string }) => w.closedReasons.push(reason));
        w.session = session;
        return { sessionId: session.sessionId as string, status: session.status as string };
      },
      { token, baseUrl: lk.url },
    );
    expect(held.status).toBe('ready');
    const { sessionId } = held;
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
    // The page that held it sees it end, and why.
    await holder.waitForFunction(
      () => (window as unknown as { closedReasons: string[] }).closedReasons.length > 0,
      undefined,
      { timeout: 15_000 },
    );
    const seen = await holder.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's own record
      const w = window as any;
      return { closed: w.closedReasons, status: w.session.status, statuses: w.statuses };
    });
    expect(seen.closed).toEqual(['ended_by_member']);
    expect(seen.status).toBe('disconnected');
    expect(seen.statuses.at(-1)).toBe('disconnected');
  });
});
