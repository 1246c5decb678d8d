// `npm run example` as a process manager stops it: SIGTERM to npm (not Ctrl-C to the
// whole terminal) stops the example and its Latchkey and removes the temp data dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('npm run example', () => {
  let npm: ChildProcess | undefined;
  afterAll(() => {
    if (npm?.exitCode === null) npm.kill('SIGKILL');
  });

  it('SIGTERM to npm stops it and removes its data dir', async () => {
    npm = spawn('npm', ['run', 'example'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', LATCHKEY_LOG: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout?.on('data', (d) => {
      out += d;
    });
    npm.stderr?.on('data', (d) => {
      out += d;
    });
    await vi.waitFor(
      () => {
        if (!/Example app: http/.test(out)) throw new Error(`not started yet:\n${out}`);
      },
      { timeout: 90_000, interval: 100 },
    );
    const dataDir = /embedded database in (\S+)\)/.exec(out)?.[1] as string;
    expect(existsSync(dataDir)).toBe(true);
    const exited = new Promise((r) => npm?.once('exit', r));
    npm.kill('SIGTERM');
    await exited;
    await vi.waitFor(
      () => {
        if (existsSync(dataDir)) throw new Error(`${dataDir} is still there`);
      },
      // A bound against a hang: the serve child closes its embedded database first, which
      // took over 20 s once when the whole suite shared the machine's 2 cores.
      { timeout: 60_000, interval: 100 },
    );
  }, 180_000);
});
