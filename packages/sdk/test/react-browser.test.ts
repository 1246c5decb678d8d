// @latchkey/sdk/react in real Chromium against the real server: a React app (bundled
// from the built dist with esbuild, development React under StrictMode, so every
// effect runs twice) with <LatchkeyProvider autoConnect>, <WebcamStream> and
// <ModelView>; the echoed camera plays, commands go through useLatchkey, and
// unmounting ends the session.
import { resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import {
  COUNT_MEDIA,
  launchChromium,
  pageServer,
  requireChromium,
  SKIP_BROWSER,
} from './browser-page.js';
import { type Latchkey, startLatchkey } from './helpers.js';

const APP = `
import { createElement as h, StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { LatchkeyProvider, ModelView, useLatchkey, WebcamStream } from '@latchkey/sdk/react';

function Probe() {
  const view = useLatchkey();
  const status = useLatchkey((s) => s.status);
  useEffect(() => {
    window.latchkey = view;
    window.renders = (window.renders ?? 0) + 1;
  });
  return h('p', { id: 'status' }, status);
}

window.mount = (props) => {
  const root = createRoot(document.getElementById('root'));
  root.render(
    h(StrictMode, null,
      h(LatchkeyProvider, { model: 'echo', autoConnect: true, ...props },
        h(WebcamStream, { className: 'me' }),
        h(ModelView, { className: 'model', videoObjectFit: 'contain' }),
        h(Probe))));
  window.unmount = () => root.unmount();
};
`;

interface AppWindow {
  mount(props: { getToken: () => string; baseUrl: string }): void;
  unmount(): void;
  latchkey: {
    status: string;
    session: { sessionId: string } | null;
    localStream: MediaStream | null;
    remoteStream: MediaStream | null;
    lastError: Error | null;
    send(command: string, data?: unknown): Promise<unknown>;
  };
  __pcs: RTCPeerConnection[];
  __cameras: number;
}

describe.skipIf(SKIP_BROWSER)('@latchkey/sdk/react in Chromium, against the real server', () => {
  let lk: Latchkey;
  let site: Awaited<ReturnType<typeof pageServer>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    lk = await startLatchkey();
    const bundle = await build({
      stdin: { contents: APP, resolveDir: resolve(import.meta.dirname), loader: 'js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      define: { 'process.env.NODE_ENV': '"development"' },
      logLevel: 'silent',
    });
    site = await pageServer({ '/react-app.js': bundle.outputFiles[0]?.text ?? '' });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(COUNT_MEDIA);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${site.url}/react.html`);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await lk?.close();
  });

  const state = () => page.evaluate(() => (window as unknown as AppWindow).latchkey);

  it('autoConnect waits for the camera, then the model view plays the echoed video', async () => {
    const { token } = await createClient({ apiKey: lk.key, baseUrl: lk.url }).tokens.create({
      models: ['echo'],
      maxSessions: 1, // StrictMode's second mount must not meet the first one's session
    });
    await page.evaluate(
      ({ token, baseUrl }) =>
        (window as unknown as AppWindow).mount({ getToken: () => token, baseUrl }),
      { token, baseUrl: lk.url },
    );
    await page.waitForSelector('#status:text("ready")', { timeout: 15_000 });
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video.model') as HTMLVideoElement | null;
        return v !== null && v.videoWidth > 0 && v.currentTime > 0;
      },
      undefined,
      { timeout: 10_000, polling: 100 },
    );
    const views = await page.evaluate(() => {
      const me = document.querySelector('video.me') as HTMLVideoElement;
      const model = document.querySelector('video.model') as HTMLVideoElement;
      const w = window as unknown as AppWindow;
      return {
        meShowsLocal: me.srcObject === w.latchkey.localStream && me.videoWidth > 0,
        modelShowsRemote: model.srcObject === w.latchkey.remoteStream,
        muted: [me.muted, model.muted],
        fit: model.style.objectFit,
        mirrored: me.style.transform,
        status: model.dataset.status,
        peerConnections: w.__pcs.length,
        live: w.__pcs.filter((pc) => pc.connectionState === 'connected').length,
      };
    });
    expect(views).toEqual({
      meShowsLocal: true,
      modelShowsRemote: true,
      muted: [true, true],
      fit: 'contain',
      mirrored: 'scaleX(-1)',
      status: 'ready',
      peerConnections: 1,
      live: 1,
    });
    const s = await state();
    expect(s.lastError).toBeNull();
    const t1 = await page.evaluate(
      () => (document.querySelector('video.model') as HTMLVideoElement).currentTime,
    );
    await page.waitForTimeout(500);
    const t2 = await page.evaluate(
      () => (document.querySelector('video.model') as HTMLVideoElement).currentTime,
    );
    expect(t2).toBeGreaterThan(t1);
  });

  it('useLatchkey gives the actions: send round-trips', async () => {
    const reply = await page.evaluate(() =>
      (window as unknown as AppWindow).latchkey.send('set_prompt', { prompt: 'from react' }),
    );
    expect(reply).toEqual({ prompt: 'from react', acknowledged: true });
  });

  it('unmounting ends the session on the server and stops the camera', async () => {
    const id = (await state()).session?.sessionId as string;
    expect(id).toMatch(/^ses_/);
    await page.evaluate(() => (window as unknown as AppWindow).unmount());
    await expect
      .poll(
        async () => {
          const res = await fetch(`${lk.url}/v1/sessions/${id}`, {
            headers: { authorization: `Bearer ${lk.key}` },
          });
          return ((await res.json()) as { closeReason: string | null }).closeReason;
        },
        { timeout: 5000 },
      )
      .toBe('client_closed');
    const after = await page.evaluate(() => {
      const w = window as unknown as AppWindow;
      return {
        pcs: w.__pcs.map((pc) => pc.connectionState),
        tracks: w.latchkey.localStream?.getTracks().map((t) => t.readyState) ?? [],
      };
    });
    expect(after.pcs).toEqual(['closed']);
    expect(after.tracks.every((t) => t === 'ended')).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
