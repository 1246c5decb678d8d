// Weights transfer on loopback: pushWeights / pullWeights (@latchkey/core/node, the code
// the CLI and the runtime use) against a real docker-registry 2.8 with filesystem
// storage, default chunk (8 MiB) and part (64 MiB) sizes. Run with `npm run bench:weights`
// (builds first). Writes bench/results/weights.md.
//
// The reference, in the same run: the same amount of fresh random bytes moved with the
// plainest requests the registry takes (one monolithic PUT per blob, digest known in
// advance; one GET per blob into memory, nothing checked or written), so the rows say
// what chunking, resume state, hashing and the disk cost over the registry's own speed.
//
// Environment:
//   BENCH_MIB    total MiB of random weights, in two files (default 256)
//   BENCH_RUNS   push/pull rounds, the median is reported (default 3)
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pullWeights, pushWeights } from '@latchkey/core/node';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH_DIR, 'results/weights.md');
const MIB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 256) * MIB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mibps = (bytes, ms) => (bytes / MIB / (ms / 1000)).toFixed(0);

const root = mkdtempSync(join(os.tmpdir(), 'lk-bench-weights-'));
const port = await freePort();
const registry = `127.0.0.1:${port}`;
writeFileSync(
  join(root, 'config.yml'),
  `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${registry}\n`,
);
const child = spawn('docker-registry', ['serve', join(root, 'config.yml')], { stdio: 'ignore' });
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://${registry}/v2/`)).status === 200) break;
  } catch {}
  if (i > 500 || child.exitCode !== null) throw new Error('docker-registry did not start');
  await new Promise((r) => setTimeout(r, 20));
}

/** The reference: one POST + one monolithic PUT per blob, then one GET per blob. */
async function rawRoundTrip(run) {
  const blobs = [randomBytes(TOTAL / 2), randomBytes(TOTAL / 2)];
  const digests = blobs.map((b) => `sha256:${createHash('sha256').update(b).digest('hex')}`);
  const base = `http://${registry}/v2/bench/reference/blobs`;
  const t0 = performance.now();
  for (const [i, blob] of blobs.entries()) {
    const started = await fetch(`${base}/uploads/`, { method: 'POST' });
    const location = new URL(started.headers.get('location'), `http://${registry}`);
    location.searchParams.set('digest', digests[i]);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: blob,
    });
    if (put.status !== 201) throw new Error(`reference upload ${run}: ${put.status}`);
  }
  const t1 = performance.now();
  for (const digest of digests) {
    const got = await fetch(`${base}/${digest}`);
    if ((await got.arrayBuffer()).byteLength !== TOTAL / 2) throw new Error('short reference read');
  }
  return { push: t1 - t0, pull: performance.now() - t1 };
}

const rows = [];
try {
  const refPushes = [];
  const refPulls = [];
  const pushes = [];
  const uploads = [];
  const pulls = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = join(root, `w${run}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.bin'), randomBytes(TOTAL / 2));
    writeFileSync(join(dir, 'b.bin'), randomBytes(TOTAL / 2));
    let uploadStart = 0;
    const t0 = performance.now();
    const pushed = await pushWeights({
      registry,
      repository: 'bench/weights/m',
      reference: String(run),
      dir,
      onProgress: (p) => {
        if (p.phase === 'uploading' && !uploadStart) uploadStart = performance.now();
      },
    });
    const t1 = performance.now();
    pushes.push(t1 - t0);
    uploads.push(t1 - uploadStart);
    const p0 = performance.now();
    await pullWeights({
      registry,
      repository: 'bench/weights/m',
      reference: pushed.digest,
      outDir: join(root, `out${run}`),
    });
    pulls.push(performance.now() - p0);
    if (run === RUNS - 1) {
      const a0 = performance.now();
      const again = await pushWeights({
        registry,
        repository: 'bench/weights/m',
        reference: 'again',
        dir,
      });
      rows.push([
        're-push unchanged (hash + HEAD per blob)',
        `${(performance.now() - a0).toFixed(0)} ms, ${again.bytesUploaded} bytes sent`,
      ]);
    }
    rmSync(join(root, `out${run}`), { recursive: true, force: true });
    const ref = await rawRoundTrip(run);
    refPushes.push(ref.push);
    refPulls.push(ref.pull);
  }
  const share = (ours, ref) => `${((median(ref) / median(ours)) * 100).toFixed(0)}%`;
  rows.unshift(
    [
      'push, hashing included',
      `${mibps(TOTAL, median(pushes))} MiB/s (median of ${RUNS}: ${median(pushes).toFixed(0)} ms)`,
    ],
    [
      'push, upload phase only',
      `${mibps(TOTAL, median(uploads))} MiB/s (${share(uploads, refPushes)} of the reference)`,
    ],
    [
      'pull (streamed, sha256 checked, to disk)',
      `${mibps(TOTAL, median(pulls))} MiB/s (${median(pulls).toFixed(0)} ms; ${share(pulls, refPulls)} of the reference)`,
    ],
    [
      'reference push: one monolithic PUT per blob, digest known',
      `${mibps(TOTAL, median(refPushes))} MiB/s (${median(refPushes).toFixed(0)} ms)`,
    ],
    [
      'reference pull: one GET per blob into memory',
      `${mibps(TOTAL, median(refPulls))} MiB/s (${median(refPulls).toFixed(0)} ms)`,
    ],
  );
} finally {
  child.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
}

const md = [
  '# Weights transfer on loopback',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end.`,
  `${TOTAL / MIB} MiB of random bytes in two files, pushWeights/pullWeights to docker-registry 2.8`,
  '(filesystem storage in the temp dir, no auth), 8 MiB chunks, 64 MiB parts. `node bench/weights.mjs`.',
  'The reference moves the same amount of fresh bytes with the plainest requests the registry takes, in the same run.',
  '',
  '| what | result |',
  '| --- | --- |',
  ...rows.map(([a, b]) => `| ${a} | ${b} |`),
  '',
].join('\n');
writeFileSync(RESULTS, md);
process.stdout.write(md);
