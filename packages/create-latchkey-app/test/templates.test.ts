// Each template as a newcomer gets it: scaffolded with flags into a temp folder, installed
// with this workspace's SDK and core (packed once, never the registry's copies of ours),
// built, and its client bundle checked for the key. Then the apps run against a real
// `latchkey serve`: the vite backend mints a token and forwards a batch job; the next app
// in Chromium (a fake camera, no test switches) connects and shows the echo's frames,
// and without a key (or with a malformed one) shows the setup message with the code.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, FAKE_MEDIA_ARGS, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import { type Served, serve } from '../../cli/test/helpers.js';
import { BIN, ROOT, tempDir } from './helpers.js';
import { exec, freePort, type Running, start } from './processes.js';

const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';
const KEY_SHAPE = /rk_[0-9A-Za-z]{38}/;

/** What the scaffolder's own `npm install` and the builds run with: the local cache first. */
const ENV: Record<string, string | undefined> = {
  ...process.env,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  NEXT_TELEMETRY_DISABLED: '1',
  LATCHKEY_API_KEY: undefined,
  LATCHKEY_BASE_URL: undefined,
  NODE_ENV: undefined,
};

const timings: Record<string, string> = {};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let work: string;
let packs: string;
let platform: Served;
let key: string;

beforeAll(async () => {
  work = tempDir('cla-e2e-');
  packs = join(work, 'packs');
  mkdirSync(packs);
  const [served, packed] = await Promise.all([
    serve(['--data-dir', join(work, 'data')]),
    exec(
      'npm',
      ['pack', '-w', '@latchkey/sdk', '-w', '@latchkey/core', '--pack-destination', packs],
      { cwd: ROOT, env: { npm_config_ignore_scripts: 'true' } },
    ),
  ]);
  platform = served;
  expect(packed.code, packed.output).toBe(0);
  expect(served.bootstrapKey).toMatch(KEY_SHAPE);
  key = served.bootstrapKey as string;
}, 90_000);

afterAll(async () => {
  await platform?.stop();
  console.log(
    `[create-latchkey-app] ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Scaffolds (and installs) a project from flags, with the platform's key on stdin. */
async function scaffold(name: string, template: 'next' | 'vite', withKey: boolean) {
  const r = await exec(
    process.execPath,
    [
      BIN,
      name,
      '--template',
      template,
      '--url',
      platform.url,
      withKey ? '--key-stdin' : '--no-env',
      '--latchkey-packages',
      packs,
    ],
    { cwd: work, env: ENV, input: withKey ? key : '' },
  );
  expect(r.code, r.output).toBe(0);
  expect(r.output).not.toContain(key);
  const scaffolded = /in \S+ in ([\d.]+ m?s)\./.exec(r.output)?.[1];
  const installed = /Installed in ([\d.]+ m?s)\./.exec(r.output)?.[1];
  timings[`${template}: scaffold`] = scaffolded ?? '?';
  timings[`${template}: npm install`] = installed ?? '?';
  const dir = join(work, name);
  // The workspace's own SDK, not a registry's.
  const sdk = JSON.parse(
    readFileSync(join(dir, 'node_modules/@latchkey/sdk/package.json'), 'utf8'),
  );
  const ours = JSON.parse(readFileSync(join(ROOT, 'packages/sdk/package.json'), 'utf8'));
  expect(sdk.version).toBe(ours.version);
  expect(readFileSync(join(dir, 'node_modules/@latchkey/sdk/dist/server.js'), 'utf8')).toBe(
    readFileSync(join(ROOT, 'packages/sdk/dist/server.js'), 'utf8'),
  );
  return dir;
}

async function build(dir: string, template: string) {
  const r = await exec('npm', ['run', 'build'], { cwd: dir, env: ENV });
  expect(r.code, r.output).toBe(0);
  timings[`${template}: build`] = seconds(r.ms);
}

/** Every file under `dir`, as text, with its path. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.push([path, readFileSync(path, 'latin1')]);
    }
  return out;
}

function expectNoKey(dir: string) {
  const files = filesUnder(dir);
  expect(files.length).toBeGreaterThan(2);
  for (const [path, text] of files) {
    expect(text.includes(key), path).toBe(false);
    expect(KEY_SHAPE.exec(text)?.[0], path).toBeUndefined();
  }
}

describe('the vite template', () => {
  let dir: string;
  let app: Running | undefined;
  let base: string;
  afterAll(() => app?.stop());

  it('scaffolds and installs with the workspace SDK, typechecks and builds; the page bundle holds no key', async () => {
    dir = await scaffold('vite-app', 'vite', true);
    const typecheck = await exec('npm', ['run', 'typecheck'], { cwd: dir, env: ENV });
    expect(typecheck.code, typecheck.output).toBe(0);
    await build(dir, 'vite');
    expectNoKey(join(dir, 'dist'));
  }, 120_000);

  it('its backend mints a session token and forwards a batch job; the setup route never says the key', async () => {
    const port = await freePort();
    app = await start(process.execPath, ['server/index.js'], {
      cwd: dir,
      env: { ...ENV, PORT: String(port) },
      ready: /Listening on/,
    });
    base = `http://127.0.0.1:${port}`;
    const setup = await fetch(`${base}/api/latchkey/setup`);
    const setupText = await setup.text();
    expect(JSON.parse(setupText)).toEqual({ ok: true, model: 'echo', baseUrl: platform.url });
    expect(setupText).not.toContain('rk_');
    const token = await fetch(`${base}/api/latchkey/token`, { method: 'POST' });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ token: expect.stringMatching(/^ey/) });
    const job = await fetch(`${base}/api/latchkey/v1/generate/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse', width: 64, height: 64 }),
    });
    expect(job.status).toBe(200);
    expect(job.headers.get('content-type')).toMatch(/^image\//);
    const page = await fetch(`${base}/`);
    expect(await page.text()).toContain('<div id="root"></div>');
  }, 60_000);

  it.skipIf(!HAVE_CHROMIUM && !IN_CI)(
    'in Chromium (npm start): Connect, and the echo model’s frames come back',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(base);
        await page.waitForSelector('#status[data-status="disconnected"]');
        await page.click('#connect');
        await page.waitForSelector('#status[data-status="ready"]', { timeout: 20_000 });
        await page.waitForFunction(
          () => (document.querySelector('#model-view video') as HTMLVideoElement).videoWidth > 0,
          undefined,
          { timeout: 15_000 },
        );
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it('npm run dev: Vite serves the page and the same backend routes, with the key from .env', async () => {
    await app?.stop();
    const port = await freePort();
    app = await start(
      process.execPath,
      [
        'node_modules/vite/bin/vite.js',
        '--port',
        String(port),
        '--strictPort',
        '--host',
        '127.0.0.1',
      ],
      { cwd: dir, env: ENV, ready: /Local:/ },
    );
    const dev = `http://127.0.0.1:${port}`;
    const setup = await (await fetch(`${dev}/api/latchkey/setup`)).json();
    expect(setup).toEqual({ ok: true, model: 'echo', baseUrl: platform.url });
    const token = await fetch(`${dev}/api/latchkey/token`, { method: 'POST' });
    expect(token.status).toBe(200);
    const page = await (await fetch(`${dev}/src/RealtimeDemo.tsx`)).text();
    expect(page).toContain('tokenFromRoute');
    expect(page).not.toContain(key);
  }, 60_000);
});

describe('the next template', () => {
  let dir: string;
  let app: Running | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** `next start` on a free port, with `env` on top of the test's. */
  const startNext = async (env: Record<string, string | undefined> = {}) => {
    const port = await freePort();
    app = await start(
      process.execPath,
      ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'],
      { cwd: dir, env: { ...ENV, ...env }, ready: /Ready in/ },
    );
    return `http://127.0.0.1:${port}`;
  };

  it('scaffolds and installs with the workspace SDK, and builds with the key in .env; the client bundle holds no key', async () => {
    dir = await scaffold('next-app', 'next', true);
    await build(dir, 'next');
    expectNoKey(join(dir, '.next/static'));
  }, 240_000);

  it.skipIf(!HAVE_CHROMIUM && !IN_CI)(
    'in Chromium: Connect, and the echo model’s frames come back',
    async () => {
      const url = await startNext();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
      });
      const page = await browser.newPage();
      const errors: string[] = [];
      const bodies: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('response', async (r) => {
        bodies.push(await r.text().catch(() => ''));
      });
      await page.goto(url);
      await page.waitForSelector('#status[data-status="disconnected"]');
      const clicked = performance.now();
      await page.click('#connect');
      await page.waitForSelector('#status[data-status="ready"]', { timeout: 20_000 });
      await page.waitForFunction(
        () => (document.querySelector('#model-view video') as HTMLVideoElement).videoWidth > 0,
        undefined,
        { timeout: 15_000, polling: 50 },
      );
      timings['next: first frame after Connect'] = seconds(performance.now() - clicked);
      const frames = () =>
        page.evaluate(
          () =>
            (
              document.querySelector('#model-view video') as HTMLVideoElement
            ).getVideoPlaybackQuality().totalVideoFrames,
        );
      const before = await frames();
      await page.waitForFunction(
        (n) =>
          (
            document.querySelector('#model-view video') as HTMLVideoElement
          ).getVideoPlaybackQuality().totalVideoFrames >=
          n + 10,
        before,
        { timeout: 15_000, polling: 100 },
      );
      expect(await page.textContent('#session-id')).toMatch(/\S/);
      // The authorize stub is still in place, and `next start` runs in production: it says so.
      expect(app?.output()).toContain(
        '[latchkey] lib/latchkey.ts: currentUser() lets every visitor in; add your session check',
      );
      expect(await page.$('#error')).toBeNull();
      await page.click('#disconnect');
      await page.waitForSelector('#status[data-status="disconnected"]');
      // The batch-job proxy, as the page would call it (createClient({ proxy: '/api/latchkey' })).
      const job = await page.evaluate(async () => {
        const r = await fetch('/api/latchkey/v1/generate/render', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'a lighthouse', width: 64, height: 64 }),
        });
        return { status: r.status, type: r.headers.get('content-type') };
      });
      expect(job).toMatchObject({ status: 200, type: expect.stringMatching(/^image\//) });
      for (const body of bodies) expect(body).not.toContain(key);
      expect(errors).toEqual([]);
      await page.close();
    },
    90_000,
  );

  const setupMessage = async (url: string) => {
    const res = await fetch(url);
    const html = await res.text();
    const text = html
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ');
    return { status: res.status, html, text };
  };

  it('without a key: the page explains, with the code, which variable to set and where keys come from', async () => {
    await app?.stop();
    renameSync(join(dir, '.env'), join(dir, '.env.saved'));
    const url = await startNext();
    const page = await setupMessage(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-code="MISSING_API_KEY"');
    expect(page.text).toContain('Almost there: set LATCHKEY_API_KEY');
    expect(page.text).toContain('MISSING_API_KEY: LATCHKEY_API_KEY is not set.');
    expect(page.text).toContain(
      `from the Latchkey dashboard: ${platform.url}/ → Keys → Create key`,
    );
    expect(page.text).not.toMatch(/\bat \S+ \(|Application error|Internal Server Error/);
    const token = await fetch(`${url}/api/latchkey/token`, { method: 'POST' });
    expect(token.status).toBe(503);
    expect((await token.json()).error.code).toBe('MISSING_API_KEY');
    if (HAVE_CHROMIUM) {
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      await tab.goto(url);
      expect(await tab.getAttribute('#setup', 'data-code')).toBe('MISSING_API_KEY');
      expect(await tab.textContent('#setup-code')).toBe('MISSING_API_KEY');
      expect(errors).toEqual([]);
      await tab.close();
    }
  }, 60_000);

  it('with a malformed key: INVALID_API_KEY and why, never the key', async () => {
    await app?.stop();
    const bad = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const url = await startNext({ LATCHKEY_API_KEY: bad });
    const page = await setupMessage(url);
    expect(page.html).toContain('data-code="INVALID_API_KEY"');
    expect(page.text).toContain(
      'INVALID_API_KEY: LATCHKEY_API_KEY is not a Latchkey key: the key checksum does not match',
    );
    expect(page.html).not.toContain(bad);
    renameSync(join(dir, '.env.saved'), join(dir, '.env'));
  }, 60_000);

  it.skipIf(!HAVE_CHROMIUM && !IN_CI)(
    'npm run dev, as the README says: Connect, and frames come back',
    async () => {
      await app?.stop();
      const port = await freePort();
      app = await start(
        process.execPath,
        ['node_modules/next/dist/bin/next', 'dev', '-p', String(port), '-H', '127.0.0.1'],
        { cwd: dir, env: ENV, ready: /Ready in/ },
      );
      browser ??= await chromium.launch({
        executablePath: CHROMIUM,
        args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
      });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}`, { timeout: 90_000 });
      await page.waitForSelector('#status[data-status="disconnected"]', { timeout: 60_000 });
      await page.click('#connect');
      await page.waitForSelector('#status[data-status="ready"]', { timeout: 30_000 });
      await page.waitForFunction(
        () => (document.querySelector('#model-view video') as HTMLVideoElement).videoWidth > 0,
        undefined,
        { timeout: 15_000 },
      );
      expect(errors).toEqual([]);
      await page.close();
    },
    150_000,
  );
});
