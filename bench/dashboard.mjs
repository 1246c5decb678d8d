// The dashboard's load time on loopback, as a person's Chromium sees it: from navigation
// to the page being usable (the sign-in form for a visitor; the key table for a signed-in
// member), first visit (cold cache) and repeat visit (hashed assets cached).
// Run with `npm run bench:dashboard` (builds first). Writes bench/results/dashboard.md.
//
// Environment: BENCH_RUNS (default 15) visits per case.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, HEADLESS_ARGS } from '../scripts/chromium.mjs';
import { cleanEnv, stopChild } from './lib/processes.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function serve(dataDir) {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/cli/bin/latchkey.js'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--no-runtime',
    ],
    { env: cleanEnv({ LATCHKEY_LOG: 'error' }) },
  );
  let out = '';
  return new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.includes('API docs:')) ok({ child, url });
    });
    child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
  });
}

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Milliseconds from navigation to `ready` being visible. */
async function visit(page, url, ready) {
  const start = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await ready(page).waitFor();
  return Date.now() - start;
}

const dir = mkdtempSync(join(os.tmpdir(), 'latchkey-bench-dashboard-'));
const { child, url } = await serve(dir);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
const rows = [];
try {
  const signInForm = (p) => p.getByRole('button', { name: 'Sign in' });
  const keyTable = (p) => p.getByRole('row', { name: /backend/ });
  // A member with an org and a key, signed in once per context.
  const member = await browser.newContext();
  await member.request.post(`${url}/v1/auth/sign-up/email`, {
    data: { email: 'bench@example.test', password: 'a long enough password' },
  });
  await member.request.post(`${url}/v1/orgs`, { data: { name: 'Bench', slug: 'bench' } });
  await member.request.post(`${url}/v1/orgs/bench/keys`, { data: { name: 'backend' } });
  const state = await member.storageState();
  await member.close();

  for (const [name, path, ready, signedIn] of [
    ['visitor: /sign-in, form usable', '/sign-in', signInForm, false],
    ['member: /orgs/bench/keys, key table shown', '/orgs/bench/keys', keyTable, true],
  ]) {
    const cold = [];
    const warm = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext(signedIn ? { storageState: state } : {});
      const page = await context.newPage();
      cold.push(await visit(page, `${url}${path}`, ready));
      warm.push(await visit(page, `${url}${path}`, ready));
      await context.close();
    }
    rows.push({ name, cold, warm });
  }
} finally {
  await browser.close();
  await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
}

const line = (label, xs) => `| ${label} | ${pct(xs, 50)} | ${pct(xs, 95)} | ${Math.max(...xs)} |`;
const report = [
  '# Dashboard load time',
  '',
  `Loopback, headless Chromium, \`latchkey serve\` on the embedded database; ${RUNS} visits per`,
  'case, each in a fresh browser context (first visit: nothing cached), then once more in',
  'the same context (repeat visit: hashed assets from the cache, index.html revalidated).',
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load ${os.loadavg()[0]?.toFixed(1)}; ${new Date().toISOString().slice(0, 10)}.`,
  'Target: usable within 1 s.',
  '',
  '| case | p50 ms | p95 ms | max ms |',
  '|---|---|---|---|',
  ...rows.flatMap((r) => [
    line(`${r.name} (first visit)`, r.cold),
    line(`${r.name} (repeat visit)`, r.warm),
  ]),
  '',
].join('\n');
writeFileSync(join(ROOT, 'bench/results/dashboard.md'), report);
process.stdout.write(report);
