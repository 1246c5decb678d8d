// The example web app's realtime page, end to end in real Chromium with a fake camera:
// sign in, the backend's token route mints a token limited to `echo`, the React page
// opens a session, the echoed video arrives and keeps playing, a prompt round-trips,
// a batch job runs through the backend's proxy, and disconnecting closes the session
// on the platform.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startExample } from '../../../examples/web-app/src/app.js';
import {
  BEHIND_NAT,
  launchChromium,
  requireChromium,
  SKIP_BROWSER,
  UNREACHABLE_RUNTIME,
} from './browser-page.js';
import { type Latchkey, startLatchkey } from './helpers.js';

describe.skipIf(SKIP_BROWSER)('the example realtime page, in Chromium', () => {
  let lk: Latchkey;
  let app: Awaited<ReturnType<typeof startExample>>;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const bodies: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    lk = await startLatchkey();
    app = await startExample({ apiKey: lk.key, platformUrl: lk.url, port: 0 });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('response', async (r) => {
      bodies.push(await r.text().catch(() => ''));
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await lk?.close();
  });

  const status = () => page.getAttribute('#status', 'data-status');
  /** Frames the model's <video> has presented so far. */
  const modelFrames = () =>
    page.evaluate(
      () =>
        (document.querySelector('#model-view video') as HTMLVideoElement).getVideoPlaybackQuality()
          .totalVideoFrames,
    );
  const sessions = async () => {
    const listed = await lk.admin.listSessions({ org: lk.orgId });
    if (!listed.ok) throw new Error(listed.message);
    return listed.value;
  };

  it('asks a visitor to sign in, then comes back to the page', async () => {
    await page.goto(`${app.url}/realtime`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#name', 'Grace Hopper');
    await Promise.all([page.waitForURL(`${app.url}/realtime`), page.click('#signin-form button')]);
    await page.waitForSelector('#signed-in');
    expect(await page.textContent('#signed-in')).toBe('Signed in as Grace Hopper (u_grace-hopper)');
    expect(await status()).toBe('disconnected');
  });

  it('connects: the camera goes to echo, and the echo comes back and keeps playing', async () => {
    await page.click('#connect');
    await page.waitForSelector('#status[data-status="ready"]', { timeout: 20_000 });
    await page.waitForFunction(
      () => (document.querySelector('#model-view video') as HTMLVideoElement).videoWidth > 0,
      undefined,
      { timeout: 15_000 },
    );
    const before = await modelFrames();
    await page.waitForFunction(
      (n) =>
        (document.querySelector('#model-view video') as HTMLVideoElement).getVideoPlaybackQuality()
          .totalVideoFrames >=
        n + 10,
      before,
      { timeout: 15_000, polling: 100 },
    );
    const [open] = (await sessions()).filter((s) => s.state !== 'closed');
    expect(open).toMatchObject({ model: 'echo', state: 'active' });
    expect(await page.textContent('#session-id')).toBe(open?.sessionId);
  });

  it('the token the backend minted is limited to echo and to this user', async () => {
    const [open] = (await sessions()).filter((s) => s.state !== 'closed');
    const audit = await lk.admin.audit({ org: lk.orgId, action: 'token.minted', limit: 5 });
    if (!audit.ok) throw new Error(audit.message);
    const minted = audit.value.find((e) => e.target === open?.tokenId);
    expect(minted?.data).toMatchObject({ models: ['echo'], maxSessions: 1 });
  });

  it('a prompt goes to the model and is acknowledged', async () => {
    await page.fill('#prompt-input', 'a red fox in the snow');
    await page.click('#send-prompt');
    await page.waitForSelector('#prompt-reply');
    expect(await page.textContent('#prompt-reply')).toBe('acknowledged: a red fox in the snow');
    await page.waitForSelector('#model-prompt');
    expect(await page.textContent('#model-prompt')).toContain('a red fox in the snow');
  });

  it('renders an image through the backend proxy, without the key in the page', async () => {
    await page.fill('#render-prompt', 'a lighthouse at dusk');
    await page.click('#render-button');
    await page.waitForFunction(
      () =>
        (document.querySelector('#render-image') as HTMLImageElement | null)?.naturalWidth === 256,
      undefined,
      { timeout: 15_000 },
    );
    expect(requested.some((u) => u === `${app.url}/api/latchkey/v1/generate/render`)).toBe(true);
  });

  it('disconnecting closes the session on the platform', async () => {
    const [open] = (await sessions()).filter((s) => s.state !== 'closed');
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-status="disconnected"]');
    await vi.waitFor(
      async () => {
        const s = (await sessions()).find((x) => x.sessionId === open?.sessionId);
        expect(s).toMatchObject({ state: 'closed', closeReason: 'client_closed' });
      },
      { timeout: 10_000, interval: 20 },
    );
  });

  it('revoking the minting key leaves the live session running', async () => {
    await page.click('#connect');
    await page.waitForSelector('#status[data-status="ready"]', { timeout: 20_000 });
    const [open] = (await sessions()).filter((s) => s.state !== 'closed');
    const revoked = await lk.admin.revokeKey({ id: open?.keyId as string, actor: 'test' });
    expect(revoked.ok).toBe(true);
    const before = await modelFrames();
    await page.waitForFunction(
      (n) =>
        (document.querySelector('#model-view video') as HTMLVideoElement).getVideoPlaybackQuality()
          .totalVideoFrames >=
        n + 10,
      before,
      { timeout: 15_000, polling: 100 },
    );
    await page.fill('#prompt-input', 'still here');
    await page.click('#send-prompt');
    await page.waitForFunction(
      () => document.querySelector('#prompt-reply')?.textContent === 'acknowledged: still here',
    );
    expect(await status()).toBe('ready');
  });

  it('--end-sessions ends it at once, and the page says why', async () => {
    const [open] = (await sessions()).filter((s) => s.state !== 'closed');
    const ended = await lk.admin.revokeKey({
      id: open?.keyId as string,
      endSessions: true,
      actor: 'test',
    });
    expect(ended.ok && ended.value.sessionsEnded).toBe(1);
    await page.waitForSelector('#status[data-status="disconnected"]');
    await page.waitForSelector('#error');
    expect(await page.getAttribute('#error', 'data-code')).toBe('SESSION_CLOSED');
    expect(await page.textContent('#error')).toContain('key_revoked');
    const closed = (await sessions()).find((s) => s.sessionId === open?.sessionId);
    expect(closed).toMatchObject({ state: 'closed', closeReason: 'key_revoked' });
  });

  it('the page never received the key, and threw nothing', () => {
    for (const body of bodies) expect(body).not.toContain(lk.key);
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(SKIP_BROWSER)('the example realtime page when media cannot flow', () => {
  let lk: Latchkey;
  let app: Awaited<ReturnType<typeof startExample>>;
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    lk = await startLatchkey(UNREACHABLE_RUNTIME);
    app = await startExample({ apiKey: lk.key, platformUrl: lk.url, port: 0 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await lk?.close();
  });

  it('shows MEDIA_CONNECT_FAILED with the cause and the fix, and the session is closed on the platform', async () => {
    const page = await browser.newPage();
    await page.addInitScript(BEHIND_NAT);
    await page.goto(`${app.url}/realtime`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#name', 'Ada Lovelace');
    await Promise.all([page.waitForURL(`${app.url}/realtime`), page.click('#signin-form button')]);
    await page.waitForSelector('#signed-in');
    await page.click('#connect');
    await page.waitForSelector('#error[data-code="MEDIA_CONNECT_FAILED"]', { timeout: 30_000 });
    const text = await page.textContent('#error');
    expect(text).toMatch(/^MEDIA_CONNECT_FAILED: .*no ICE candidate pair .* succeeded/);
    expect(text).toContain('LATCHKEY_ICE_HOST_ADDRESSES');
    expect(text).toContain('LATCHKEY_TURN_URLS');
    expect(await page.getAttribute('#status', 'data-status')).toBe('disconnected');
    await vi.waitFor(async () => {
      const listed = await lk.admin.listSessions({ org: lk.orgId });
      if (!listed.ok) throw new Error(listed.message);
      expect(listed.value).toMatchObject([{ state: 'closed', closeReason: 'client_closed' }]);
    });
  });
});
