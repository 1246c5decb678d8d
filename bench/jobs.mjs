// Latchkey batch-job latency: how long a small `render` job takes on an idle
// `latchkey serve` (its embedded runtime), through the queue, on PGlite and on PostgreSQL.
// Run with `npm run bench:jobs` (builds first). See bench/README.md.
//
// Environment:
//   BENCH_JOBS    jobs measured one after another, per target and kind (default 40)
//   BENCH_PG_URL  admin connection for the scratch database (default postgres://postgres@127.0.0.1:5432/test)
//   BENCH_ONLY    comma list: pglite,postgres (default both)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { gitState, machine, percentile } from './lib/proc-stats.mjs';
import { cleanEnv, stopChild } from './lib/processes.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CLI_BIN = join(ROOT, 'packages/cli/bin/latchkey.js');
const RESULTS = join(BENCH_DIR, 'results/jobs.md');
const JOBS = Number(process.env.BENCH_JOBS ?? 40);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ONLY = (process.env.BENCH_ONLY ?? 'pglite,postgres').split(',');
const INPUT = { prompt: 'a red fox at dawn', width: 64, height: 48 };

function serve(env) {
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0'], {
    env: cleanEnv({ LATCHKEY_LOG: 'error', ...env }),
  });
  let out = '';
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 120_000);
    const onData = (d) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /^\s+(rk_[0-9A-Za-z]{38})\s*$/m.exec(out)?.[1];
      if (url && key && out.includes('API docs:')) {
        clearTimeout(timer);
        resolveServed({ child, url, key });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      out += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

const post = (url, key, path, body) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** POST /v1/generate/render: submit, queue, run, answer in one request. */
async function generate({ url, key }) {
  const t0 = performance.now();
  const res = await post(url, key, '/v1/generate/render', INPUT);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`generate answered ${res.status}`);
  return performance.now() - t0;
}

/** POST /v1/jobs/render, then GET /v1/jobs/{id} every 5 ms until it has succeeded. */
async function submitAndPoll({ url, key }) {
  const t0 = performance.now();
  const res = await post(url, key, '/v1/jobs/render', INPUT);
  const { jobId } = await res.json();
  for (;;) {
    const job = await (
      await fetch(`${url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    if (job.state === 'succeeded') return performance.now() - t0;
    if (job.state === 'failed') throw new Error(`job failed: ${JSON.stringify(job.error)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function measure(target, fn) {
  for (let i = 0; i < 5; i++) await fn(target); // warm-up
  const ms = [];
  for (let i = 0; i < JOBS; i++) ms.push(await fn(target));
  return {
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    max: Math.max(...ms),
  };
}

async function admin(sql) {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const rows = [];
const cleanup = [];
try {
  for (const name of ONLY) {
    const dir = mkdtempSync(join(os.tmpdir(), 'lk-bench-jobs-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { LATCHKEY_DATA_DIR: dir };
    if (name === 'postgres') {
      const db = `lkbench_${randomBytes(4).toString('hex')}`;
      try {
        await admin(`create database ${db}`);
      } catch (error) {
        rows.push({ name, skipped: `PostgreSQL not reachable (${error.message})` });
        continue;
      }
      cleanup.push(() => admin(`drop database if exists ${db} with (force)`));
      const u = new URL(PG_URL);
      u.pathname = `/${db}`;
      env.DATABASE_URL = u.toString();
      env.LATCHKEY_SECRET = randomBytes(32).toString('base64url');
    }
    const served = await serve(env);
    cleanup.push(() => stopChild(served.child));
    const gen = await measure(served, generate);
    const polled = await measure(served, submitAndPoll);
    rows.push({ name, gen, polled });
    console.log(name, JSON.stringify({ gen, polled }));
  }
} finally {
  for (const c of cleanup.reverse()) await c();
}

const f = (v) => `${v.toFixed(1)} ms`;
const git = gitState(ROOT);
const m = machine();
const lines = [
  '# Batch jobs: latency on an idle server',
  '',
  `${JOBS} \`render\` jobs (64×48 PNG) one after another per row, after 5 warm-up jobs, against`,
  '`latchkey serve` with its embedded runtime. `generate` is one `POST /v1/generate/render`;',
  '`submit + poll` is `POST /v1/jobs/render` then `GET /v1/jobs/{id}` every 5 ms until it succeeded.',
  '',
  `Machine: ${m.count} × ${m.cpu}, ${m.memGiB.toFixed(0)} GiB, ${m.os} (shared with other work). Commit: ${git}. ${new Date().toISOString()}.`,
  '',
  '| database | kind | p50 | p95 | max |',
  '|---|---|---|---|---|',
];
for (const r of rows) {
  if (r.skipped) {
    lines.push(`| ${r.name} | skipped: ${r.skipped} | | | |`);
    continue;
  }
  lines.push(`| ${r.name} | generate | ${f(r.gen.p50)} | ${f(r.gen.p95)} | ${f(r.gen.max)} |`);
  lines.push(
    `| ${r.name} | submit + poll | ${f(r.polled.p50)} | ${f(r.polled.p95)} | ${f(r.polled.max)} |`,
  );
}
const report = `${lines.join('\n')}\n`;
mkdirSync(dirname(RESULTS), { recursive: true });
if (process.env.BENCH_OUT !== '-') writeFileSync(process.env.BENCH_OUT ?? RESULTS, report);
console.log(report);
