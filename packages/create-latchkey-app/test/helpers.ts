import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = resolve(import.meta.dirname, '../bin/create-latchkey-app.js');
export const LATCHKEY_BIN = resolve(ROOT, 'packages/cli/bin/latchkey.js');

export const tempDir = (name = 'cla-') => mkdtempSync(join(tmpdir(), name));

/** A well-shaped app key that no platform knows (the checksum is wrong). */
export const SHAPED_KEY = `rk_${'A1b2C3d4'.repeat(4)}${'zZ9yY8'}`;

/** A folder with stand-in tarballs, for scaffolding without installing. */
export function fakePackages(): string {
  const dir = tempDir('cla-fake-packs-');
  writeFileSync(join(dir, 'latchkey-sdk-0.1.0.tgz'), 'not a tarball');
  writeFileSync(join(dir, 'latchkey-core-0.1.0.tgz'), 'not a tarball');
  return dir;
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the scaffolder's bin (or `latchkey create-app` with `via: 'cli'`) to completion. */
export function create(
  args: string[],
  o: { cwd: string; input?: string; via?: 'cli'; env?: Record<string, string> } = {
    cwd: tmpdir(),
  },
): Ran {
  const argv = o.via === 'cli' ? [LATCHKEY_BIN, 'create-app', ...args] : [BIN, ...args];
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, argv, {
    cwd: o.cwd,
    encoding: 'utf8',
    input: o.input ?? '',
    env: { ...process.env, LATCHKEY_LOG: 'error', ...o.env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
