// The operator's side of realtime, as real processes: `latchkey serve` hosting the
// models itself, a browser (Chromium, fake camera, the SDK) in a session, and the
// kill switch `latchkey admin key revoke --end-sessions`; then `latchkey serve
// --no-runtime` with the models in a separate `latchkey runtime` process.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  pageServer,
  requireChromium,
  SKIP_BROWSER,
} from '../../sdk/test/browser-page.js';
import { BIN, mint, run, runJson, type Served, serve, tempDir } from './helpers.js';

interface PageWindow {
  sdk: typeof import('@latchkey/sdk');
  session: { sessionId: string; status: string; send(c: string, d?: unknown): Promise<unknown> };
  closedReasons: string[];
  playedFrames(): Promise<number>;
}

/** Opens an echo session from the page with `token`; resolves with its id once ready. */
async function connect(page: Page, token: string, baseUrl: string): Promise<string> {
  return page.evaluate(
    async ({ token, baseUrl }) => {
      const w = window as unknown as PageWindow;
      const camera = await navigator.mediaDevices.getUserMedia({
        video: { width: 320, height: 240 },
      });
      const video = document.getElementById('remote') as HTMLVideoElement;
      w.closedReasons = [];
      const client = w.sdk.createClient({ token, baseUrl });
      w.session = (await client.realtime.connect({
        model: 'echo',
        localStream: camera,
        onRemoteStream: (s: MediaStream) => {
          video.srcObject = s;
        },
      })) as unknown as PageWindow['session'];
      (w.session as unknown as { on(e: string, f: (v: { reason: string }) => void): void }).on(
        'closed',
        (e) => w.closedReasons.push(e.reason),
      );
      w.playedFrames = async () => video.getVideoPlaybackQuality().totalVideoFrames;
      return w.session.sessionId;
    },
    { token, baseUrl },
  );
}

const framesAdvance = async (page: Page) => {
  const before = await page.evaluate(() => (window as unknown as PageWindow).playedFrames());
  await page.waitForFunction(
    async (n) => (await (window as unknown as PageWindow).playedFrames()) >= n + 10,
    before,
    { timeout: 15_000, polling: 100 },
  );
};

describe.skipIf(SKIP_BROWSER)('realtime with the real binaries, in Chromium', () => {
  let site: Awaited<ReturnType<typeof pageServer>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    site = await pageServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${site.url}/`);
    await page.evaluate(`import('@latchkey/sdk').then((m) => { window.sdk = m; })`);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  describe('latchkey serve hosting echo, and admin key revoke --end-sessions', () => {
    let dir: string;
    let served: Served;
    beforeAll(async () => {
      dir = tempDir();
      served = await serve(['--data-dir', dir]);
    });
    afterAll(async () => {
      await served?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('says which models it hosts', () => {
      expect(served.output()).toMatch(
        /Models in this process: echo \(realtime\), render \(batch\)/,
      );
    });

    it('a revoke leaves the session running; --end-sessions ends it at once', async () => {
      const key = runJson<{ id: string; secret: string }>([
        'admin',
        'key',
        'create',
        '--org',
        'dev',
        '--name',
        'browser',
        '--data-dir',
        dir,
      ]);
      const minted = await mint(served.url, key.secret, { models: ['echo'] });
      const sessionId = await connect(page, minted.body.token as string, served.url);
      await framesAdvance(page);

      const revoke = run(['admin', 'key', 'revoke', key.id, '--data-dir', dir]);
      expect(revoke.code).toBe(0);
      expect(revoke.stdout).toMatch(/sessions already open run on \(--end-sessions ends them\)/);
      await framesAdvance(page);
      expect(
        await page.evaluate(() => (window as unknown as PageWindow).session.send('ping')),
      ).toMatchObject({ pong: true });

      const listed = runJson<{ sessions: { sessionId: string; state: string }[] }>([
        'admin',
        'session',
        'list',
        '--org',
        'dev',
        '--state',
        'open',
        '--data-dir',
        dir,
      ]);
      expect(listed.sessions.map((s) => s.sessionId)).toContain(sessionId);

      const end = run(['admin', 'key', 'revoke', key.id, '--end-sessions', '--data-dir', dir]);
      expect(end.code).toBe(0);
      expect(end.stdout).toMatch(/ended 1 live session\(s\)/);
      await page.waitForFunction(() => (window as unknown as PageWindow).closedReasons.length > 0);
      expect(await page.evaluate(() => (window as unknown as PageWindow).closedReasons)).toEqual([
        'key_revoked',
      ]);
      const after = runJson<{
        sessions: { sessionId: string; state: string; closeReason: string }[];
      }>(['admin', 'session', 'list', '--org', 'dev', '--data-dir', dir]);
      expect(after.sessions.find((s) => s.sessionId === sessionId)).toMatchObject({
        state: 'closed',
        closeReason: 'key_revoked',
      });
    });
  });

  describe('latchkey serve --no-runtime, with the models in a latchkey runtime process', () => {
    let dir: string;
    let served: Served;
    let runtime: ChildProcessWithoutNullStreams | undefined;
    let runtimeOut = '';
    let runtimeId: string;

    beforeAll(async () => {
      dir = tempDir();
      served = await serve(['--data-dir', dir, '--no-runtime']);
      const created = runJson<{ id: string; secret: string }>([
        'admin',
        'runtime',
        'create',
        '--name',
        'gpu-1',
        '--data-dir',
        dir,
      ]);
      runtimeId = created.id;
      runtime = spawn(process.execPath, [BIN, 'runtime', '--server', served.url], {
        env: { ...process.env, LATCHKEY_RUNTIME_KEY: created.secret, LATCHKEY_LOG: 'error' },
      });
      runtime.stderr.on('data', (d: Buffer) => {
        runtimeOut += d.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`runtime did not start: ${runtimeOut}`)),
          30_000,
        );
        runtime?.stdout.on('data', (d: Buffer) => {
          runtimeOut += d.toString();
          if (runtimeOut.includes('registered with')) {
            clearTimeout(timer);
            resolve();
          }
        });
        runtime?.once('exit', (code) => reject(new Error(`runtime exited ${code}: ${runtimeOut}`)));
      });
    });
    afterAll(async () => {
      if (runtime && runtime.exitCode === null) {
        const exited = new Promise((r) => runtime?.once('exit', r));
        runtime.kill('SIGTERM');
        await exited;
      }
      await served?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serve says it hosts no models; the runtime never prints its credential', () => {
      expect(served.output()).toMatch(/No models in this process/);
      expect(runtimeOut).toMatch(
        new RegExp(`Latchkey runtime ${runtimeId} listening on http://127\\.0\\.0\\.1:\\d+`),
      );
      expect(runtimeOut).not.toMatch(/rt_[A-Za-z0-9_-]{43}/);
    });

    it('the runtime process serves a browser session', async () => {
      const minted = await mint(served.url, served.bootstrapKey as string, { models: ['echo'] });
      const sessionId = await connect(page, minted.body.token as string, served.url);
      await framesAdvance(page);
      const runtimes = runJson<{ runtimes: { id: string; state: string; openSessions: number }[] }>(
        ['admin', 'runtime', 'list', '--data-dir', dir],
      );
      expect(runtimes.runtimes.find((r) => r.id === runtimeId)).toMatchObject({
        state: 'online',
        openSessions: 1,
      });
      const open = runJson<{ sessions: { sessionId: string; runtimeId: string; state: string }[] }>(
        ['admin', 'session', 'list', '--org', 'dev', '--data-dir', dir],
      );
      expect(open.sessions.find((s) => s.sessionId === sessionId)).toMatchObject({
        runtimeId,
        state: 'active',
      });
    });

    it('stopping the runtime ends its sessions (runtime_shutdown) and the browser hears it', async () => {
      const exited = new Promise((r) => runtime?.once('exit', r));
      runtime?.kill('SIGTERM');
      expect(await exited).toBe(0);
      await page.waitForFunction(() => (window as unknown as PageWindow).closedReasons.length > 0);
      expect(await page.evaluate(() => (window as unknown as PageWindow).closedReasons)).toEqual([
        'runtime_shutdown',
      ]);
      const res = await fetch(`${served.url}/v1/models`, {
        headers: { authorization: `Bearer ${served.bootstrapKey}` },
      });
      expect(await res.json()).toEqual({ models: [] });
    });
  });
});

describe('media settings on the command line', () => {
  it('serve and runtime refuse a bad value at start-up, naming the variable, exit 2', () => {
    const runtime = run(
      ['runtime', '--server', 'http://127.0.0.1:9', '--rtc-ports', '50100-50000'],
      {
        LATCHKEY_RUNTIME_KEY: 'rt_not_used_before_the_check',
      },
    );
    expect(runtime.code).toBe(2);
    expect(runtime.stderr).toMatch(/CONFIG: LATCHKEY_RTC_PORTS: must be a UDP port range/);
    const dir = tempDir();
    try {
      const served = run(['serve', '--port', '0', '--data-dir', dir, '--ice-announce', 'nat-box']);
      expect(served.code).toBe(2);
      expect(served.stderr).toMatch(/LATCHKEY_ICE_ANNOUNCED_ADDRESS: must be IP addresses/);
      const turn = run(['runtime', '--server', 'http://127.0.0.1:9'], {
        LATCHKEY_RUNTIME_KEY: 'rt_not_used_before_the_check',
        LATCHKEY_TURN_URLS: 'turn:127.0.0.1:3478',
        LATCHKEY_TURN_SECRET: 'a-secret-that-must-not-be-printed',
        LATCHKEY_ICE_HOST_ADDRESSES: 'not-an-ip',
      });
      expect(turn.code).toBe(2);
      expect(turn.stderr).toMatch(/LATCHKEY_ICE_HOST_ADDRESSES/);
      expect(turn.stderr + turn.stdout).not.toContain('a-secret-that-must-not-be-printed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
