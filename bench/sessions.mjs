// Latchkey realtime session benchmark: session create → first remote frame against a
// pair of peer connections in the same Chromium page, directly and relayed through a
// real coturn, the command round trip, and how many concurrent echo sessions
// `latchkey serve` holds at the camera's rate. Chromium runs as a person's does: no
// --allow-loopback-in-peer-connection.
// Run with `npm run bench:sessions` (builds first). See bench/README.md.
//
// Environment:
//   BENCH_SESSIONS     sessions measured one after another, per side (default 20)
//   BENCH_PINGS        command round trips on one open session, per side (default 50)
//   BENCH_CONCURRENCY  comma list of concurrent session counts (default 1,2,4,8,12,16)
//   BENCH_VIDEO        the fake camera asked for, WIDTHxHEIGHT@FPS (default 640x480@30)
//   BENCH_SETTLE_MS    wait after N sessions show frames, before measuring (default 3000)
//   BENCH_WINDOW_MS    measured window per N (default 5000)
//   BENCH_TURN         0 skips the TURN variant (default: run it; needs coturn, see scripts/test-setup.mjs)
//   LATCHKEY_CHROMIUM  the browser (default /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, FAKE_MEDIA_ARGS, HEADLESS_ARGS } from '../scripts/chromium.mjs';
import { startCoturn } from '../scripts/coturn.mjs';
import {
  cpuSnapshot,
  gitState,
  machine,
  memoryMiB,
  percentile,
  summarize,
} from './lib/proc-stats.mjs';
import { cleanEnv, stopChild as stopChildProcess } from './lib/processes.mjs';
import { report } from './lib/sessions-report.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CLI_BIN = join(ROOT, 'packages/cli/bin/latchkey.js');
const PAGE_MODULE = join(BENCH_DIR, 'pages/sessions-page.js');
const SDK_DIST = join(ROOT, 'packages/sdk/dist');
const CORE_DIST = join(ROOT, 'packages/core/dist');
const RESULTS = join(BENCH_DIR, 'results/sessions.md');

const int = (name, fallback, min) => {
  const v = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return v;
};
const SESSIONS = int('BENCH_SESSIONS', 20, 1);
const PINGS = int('BENCH_PINGS', 50, 1);
const SETTLE_MS = int('BENCH_SETTLE_MS', 3000, 0);
const TURN = process.env.BENCH_TURN !== '0';
const WINDOW_MS = int('BENCH_WINDOW_MS', 5000, 500);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,2,4,8,12,16')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 32)
      throw new Error('BENCH_CONCURRENCY: integers 1..32');
    return n;
  });
const VIDEO = (() => {
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(process.env.BENCH_VIDEO ?? '640x480@30');
  if (!m) throw new Error('BENCH_VIDEO must look like 640x480@30');
  return { width: Number(m[1]), height: Number(m[2]), frameRate: Number(m[3]) };
})();
/** A session "holds" when the frames it decodes are at least this share of what its sender sent. */
const HOLD_RATIO = 0.9;

// The fake camera gives 20 fps unless told otherwise.
const CHROMIUM_ARGS = [
  ...HEADLESS_ARGS,
  ...FAKE_MEDIA_ARGS.map((a) =>
    a === '--use-fake-device-for-media-stream' ? `${a}=fps=${VIDEO.frameRate}` : a,
  ),
];

// ---------------------------------------------------------------- cleanup

const children = new Set();
const tempDirs = new Set();
const closers = [];

function tempDir(tag) {
  const dir = mkdtempSync(join(os.tmpdir(), `lkbench-${tag}-`));
  tempDirs.add(dir);
  return dir;
}

let cleaned;
function cleanup() {
  cleaned ??= (async () => {
    for (const close of closers.splice(0).reverse())
      await withTimeout(close(), 10_000, 'cleanup').catch((e) => log(`cleanup: ${e.message}`));
    for (const child of children) await stopChild(child);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  })();
  return cleaned;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function stopChild(child, graceMs) {
  await stopChildProcess(child, graceMs);
  children.delete(child);
}

// ---------------------------------------------------------------- latchkey serve

async function startServe(env = {}) {
  const dataDir = join(tempDir('sessions'), 'data');
  const child = spawn(
    process.execPath,
    [CLI_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: cleanEnv({ LATCHKEY_LOG: 'error', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-8000);
  });
  const { url, key } = await new Promise((done, reject) => {
    const t = setTimeout(
      () => reject(new Error(`latchkey serve did not start in 60 s\n${out}\n${err}`)),
      60_000,
    );
    child.stdout.on('data', (d) => {
      out += d;
      const u = /listening on (http:\/\/\S+)/.exec(out);
      const k = /^\s+(rk_[0-9A-Za-z]{38})\s*$/m.exec(out);
      if (u && k && out.includes('API docs:')) {
        clearTimeout(t);
        done({ url: u[1], key: k[1] });
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      reject(new Error(`latchkey serve exited (${code ?? sig})\n${out}\n${err}`));
    });
  });
  return { child, url, key, stderr: () => err };
}

async function mintToken(url, key) {
  const res = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ models: ['echo'], maxSessions: 64, expiresIn: 3600 }),
  });
  const body = await res.json();
  if (res.status !== 201 || typeof body.token !== 'string')
    throw new Error(`mint answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.token;
}

/** Sessions the server still counts as open (key callers see all of the org's). */
async function openSessionsOnServer(serve, ids) {
  let open = 0;
  for (const id of ids) {
    const res = await fetch(`${serve.url}/v1/sessions/${id}`, {
      headers: { authorization: `Bearer ${serve.key}` },
    });
    const info = await res.json();
    if (info.state !== 'closed') open++;
  }
  return open;
}

// ---------------------------------------------------------------- the page

/** Serves the bench page: the SDK's and core's built files as native ES modules via an import map. */
async function startPageServer() {
  const importMap = JSON.stringify({
    imports: { '@latchkey/sdk': '/sdk/index.js', '@latchkey/core': '/core/index.js' },
  });
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>sessions bench</title>` +
    `<script type="importmap">${importMap}</script>` +
    `<script type="module" src="/bench.js"></script></head><body></body></html>`;
  const moduleFile = /^\/(sdk|core)\/([a-z0-9-]+\.js)$/;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const js = (file) => {
      if (!existsSync(file)) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
    };
    const m = moduleFile.exec(path);
    if (m) return js(join(m[1] === 'sdk' ? SDK_DIST : CORE_DIST, m[2]));
    if (path === '/bench.js') return js(PAGE_MODULE);
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  closers.push(() => new Promise((done) => server.close(() => done())));
  return `http://127.0.0.1:${server.address().port}`;
}

async function openPage(pageUrl) {
  // Our signal handlers close the browser; Playwright's own would exit the process before
  // serve is stopped and the temp dir removed.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  closers.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${pageUrl}/`);
  await page.waitForFunction(() => window.bench !== undefined, undefined, { timeout: 20_000 });
  const call = (fn, arg, ms = 120_000) =>
    withTimeout(
      page.evaluate(({ fn, arg }) => window.bench[fn](...arg), { fn, arg }),
      ms,
      `page ${fn}`,
    );
  return { browser, page, call, pageErrors, version: browser.version() };
}

// ---------------------------------------------------------------- measurements

/** ABBA: the two sides alternate, so drift in the machine's load hits both alike. */
async function latencySection(call) {
  const kinds = TURN ? ['echo', 'loopback', 'echo-turn'] : ['echo', 'loopback'];
  const warmup = {};
  for (const kind of kinds) warmup[kind] = await call('once', [kind]);
  log(
    `warm-up first frame: ${kinds.map((k) => `${k} ${warmup[k].framePresented.toFixed(0)} ms`).join(', ')}`,
  );
  const runs = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let i = 0; i < SESSIONS; i++) {
    for (const kind of i % 2 ? [...kinds].reverse() : kinds) {
      // A session that fails is counted as such; the others still give the distribution.
      const r = await call('once', [kind], 60_000).catch((e) => ({
        error: String(e?.message ?? e).split('\n')[0],
      }));
      runs[kind].push(r);
      await sleep(200);
    }
    const t = (v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : 'failed');
    log(
      `session ${i + 1}/${SESSIONS}: echo ready ${t(runs.echo[i].ready)}, first frame ${t(runs.echo[i].framePresented)}; ` +
        `loopback first frame ${t(runs.loopback[i].framePresented)}` +
        (TURN ? `; echo through TURN ${t(runs['echo-turn'][i].framePresented)}` : ''),
    );
  }
  return { warmup, runs };
}

async function pingSection(call) {
  const echo = await call('pings', ['echo', PINGS]);
  const loopback = await call('pings', ['loopback', PINGS]);
  log(
    `command round trip p50: echo ${percentile(echo, 50).toFixed(2)} ms, loopback ${percentile(loopback, 50).toFixed(2)} ms`,
  );
  return { echo, loopback };
}

/** Stats of the Chromium processes (our descendants, serve's tree excluded) and of serve. */
function probe(servePid) {
  return { cpu: cpuSnapshot(process.pid, servePid), at: performance.now() };
}

/** One N, one side: open N at once, settle, measure a window, close. */
async function concurrencyRun(ctx, kind, n) {
  const { call, serve } = ctx;
  const opened = await call('openMany', [kind, n], 120_000);
  const row = {
    kind,
    n,
    opened: opened.opened,
    failures: opened.failures,
    allFramesMs: opened.allFramesMs,
  };
  if (opened.opened > 0) {
    await sleep(SETTLE_MS);
    const s0 = await call('snapshot', []);
    const p0 = probe(serve.child.pid);
    const own0 = process.cpuUsage();
    await sleep(WINDOW_MS);
    const s1 = await call('snapshot', []);
    const p1 = probe(serve.child.pid);
    const own = process.cpuUsage(own0);
    Object.assign(
      row,
      summarize(s0, s1, p0, p1, { holdRatio: HOLD_RATIO, cameraFps: ctx.camera.frameRate }),
    );
    row.benchCpu = (own.user + own.system) / 1000 / (p1.at - p0.at);
    // What the rest of the machine used meanwhile: other people's work on a shared machine.
    row.otherCpu = Math.max(
      0,
      row.machineBusy * os.cpus().length - row.chromiumCpu - row.serveCpu - row.benchCpu,
    );
    row.serveRssMiB = memoryMiB(serve.child.pid);
    row.sessionIds = s1.map((s) => s.sessionId).filter(Boolean);
  }
  row.holds = row.opened === n && row.failures.length === 0 && row.minRatio >= HOLD_RATIO;
  row.holdsCamera = row.holds && row.minCameraRatio >= HOLD_RATIO;
  await call('closeAll', []);
  if (kind === 'echo' && row.sessionIds?.length) {
    await sleep(500);
    row.leftOpen = await openSessionsOnServer(serve, row.sessionIds);
  }
  await sleep(1500);
  log(
    `${kind} N=${n}: ${row.opened} opened, min ratio ${row.minRatio?.toFixed(2)}, median ${row.medianRatio?.toFixed(2)}, ` +
      `serve CPU ${((row.serveCpu ?? 0) * 100).toFixed(0)}%, Chromium CPU ${((row.chromiumCpu ?? 0) * 100).toFixed(0)}%, ` +
      `machine ${((row.machineBusy ?? 0) * 100).toFixed(0)}% of ${os.cpus().length * 100}%${row.holds ? '' : ' — does not hold'}`,
  );
  return row;
}

async function concurrencySection(ctx) {
  const rows = [];
  let failedInARow = 0;
  for (const [i, n] of CONCURRENCY.entries()) {
    const order = i % 2 ? ['loopback', 'echo'] : ['echo', 'loopback'];
    const pair = {};
    for (const kind of order) pair[kind] = await concurrencyRun(ctx, kind, n);
    rows.push(pair);
    const echo = pair.echo;
    if (echo.holds) {
      failedInARow = 0;
      continue;
    }
    failedInARow++;
    const clearly = !(echo.minRatio >= 0.8) || echo.machineBusy >= 0.9 || echo.failures.length > 0;
    if (clearly || failedInARow >= 2) {
      const rest = CONCURRENCY.slice(i + 1);
      if (rest.length) log(`stopping: N=${n} does not hold; not run: ${rest.join(', ')}`);
      return { rows, notRun: rest };
    }
  }
  return { rows, notRun: [] };
}

// ---------------------------------------------------------------- main

/** The machine's busy share of all cores over `ms`, from /proc/stat. */
async function machineBusy(ms) {
  const a = cpuSnapshot(process.pid, -1).machine;
  await sleep(ms);
  const b = cpuSnapshot(process.pid, -1).machine;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

const startBusy = await machineBusy(2000);
const started = new Date();
const startLoad = os.loadavg();
const t0 = performance.now();
const results = { started, startLoad, startBusy, errors: [], settings: {} };
let failed = false;
try {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not at ${CHROMIUM} (set LATCHKEY_CHROMIUM)`);
  const serve = await startServe();
  log(`latchkey serve at ${serve.url} (pid ${serve.child.pid})`);
  results.serveIdleRssMiB = memoryMiB(serve.child.pid);
  const token = await mintToken(serve.url, serve.key);
  let turn;
  if (TURN) {
    // coturn on loopback; a second serve hands its sessions TURN credentials.
    const coturn = await startCoturn({ relayPorts: 100 });
    closers.push(() => coturn.close());
    const serveTurn = await startServe({
      LATCHKEY_TURN_URLS: coturn.urls.join(','),
      LATCHKEY_TURN_SECRET: coturn.secret,
    });
    log(`coturn on ${coturn.urls[0]}; latchkey serve with TURN at ${serveTurn.url}`);
    turn = { baseUrl: serveTurn.url, token: await mintToken(serveTurn.url, serveTurn.key) };
  }
  const pageUrl = await startPageServer();
  const browserPage = await openPage(pageUrl);
  const { call } = browserPage;
  results.chromium = browserPage.version;
  results.camera = await call('init', [{ baseUrl: serve.url, token, turn, video: VIDEO }]);
  log(`Chromium ${results.chromium}; camera ${JSON.stringify(results.camera)}`);
  const ctx = { call, serve, camera: results.camera };
  const section = async (name, fn) => {
    if (interrupted) return;
    try {
      results[name] = await fn();
    } catch (e) {
      failed = true;
      results.errors.push(`${name}: ${String(e?.message ?? e).split('\n')[0]}`);
      log(`${name} failed: ${e?.stack ?? e}`);
      await call('closeAll', []).catch(() => undefined);
    }
  };
  await section('latency', () => latencySection(call));
  await section('pings', () => pingSection(call));
  results.serveQuietRssMiB = memoryMiB(serve.child.pid);
  await section('concurrency', () => concurrencySection(ctx));
  results.pageErrors = browserPage.pageErrors;
  results.serveStderr = serve.stderr().trim();
  results.serveEndRssMiB = memoryMiB(serve.child.pid);
} catch (e) {
  failed = true;
  results.errors.push(String(e?.message ?? e).split('\n')[0]);
  log(e?.stack ?? String(e));
} finally {
  await cleanup();
}

results.endLoad = os.loadavg();
results.machine = machine(ROOT);
results.git = gitState(ROOT);
results.node = process.version;
results.settings = {
  sessions: SESSIONS,
  pings: PINGS,
  concurrency: CONCURRENCY,
  video: VIDEO,
  settleMs: SETTLE_MS,
  windowMs: WINDOW_MS,
  holdRatio: HOLD_RATIO,
};
results.seconds = (performance.now() - t0) / 1000;
const md = report(results);
mkdirSync(dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, `${md}\n`);
process.stdout.write(`${md}\n`);
log(`done in ${results.seconds.toFixed(1)} s; wrote ${RESULTS}`);
process.exitCode = failed ? 1 : 0;
