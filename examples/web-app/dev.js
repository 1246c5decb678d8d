// @ts-check
// `npm run example`: starts a local `latchkey serve` on a fresh embedded database in a
// temp dir (so its first start prints a development app key; its embedded runtime
// hosts the demo models), then the example app with that key. Ctrl-C or SIGTERM stops
// both and removes the data dir (`npm run example` execs this file, so npm's SIGTERM
// reaches it; if whatever started it goes away anyway, it stops too).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startExample } from './src/app.js';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/latchkey.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-example-'));
const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
  env: { ...process.env, LATCHKEY_LOG: process.env.LATCHKEY_LOG ?? 'error' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

const cleanUp = () => rmSync(dataDir, { recursive: true, force: true });

/** @returns {Promise<{ url: string, key: string }>} */
const started = () =>
  new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`latchkey serve did not start:\n${out}`)),
      60_000,
    );
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /^\s+(rk_[0-9A-Za-z]{38})\s*$/m.exec(out)?.[1];
      if (url && key && out.includes('API docs:')) {
        clearTimeout(timer);
        resolve({ url, key });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`latchkey serve exited with ${code}:\n${out}`));
    });
  });

let platform;
try {
  platform = await started();
} catch (error) {
  console.error(String(error));
  child.kill('SIGTERM');
  cleanUp();
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const app = await startExample({ apiKey: platform.key, platformUrl: platform.url, port }).catch(
  async (/** @type {NodeJS.ErrnoException} */ error) => {
    if (error.code !== 'EADDRINUSE') throw error;
    console.warn(`port ${port} is in use; picking a free one`);
    return startExample({ apiKey: platform.key, platformUrl: platform.url, port: 0 });
  },
);

console.log(`
Latchkey (local, embedded database in ${dataDir}): ${platform.url}
Example app: ${app.url}

Open ${app.url}/realtime, sign in with any name, press Connect: your camera goes to
the echo model (hosted in that Latchkey process) and comes back beside it.
${app.url} shows the session token the page gets. Ctrl-C (or SIGTERM) stops both.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  cleanUp();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// Orphaned (the npm or shell that started us was killed without passing the signal on).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 1000).unref();
child.once('exit', (code) => {
  if (stopping) return;
  console.error(`latchkey serve exited (${code}); stopping the example`);
  void app.close().then(() => {
    cleanUp();
    process.exit(1);
  });
});
