// Shared by the `latchkey auth` tests: the CLI (and its credential helper) as real
// processes with HOME, LATCHKEY_HOME and DOCKER_CONFIG in a temp dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { BIN } from './helpers.js';

export const HELPER_BIN = resolve(import.meta.dirname, '../bin/docker-credential-latchkey.js');

export interface Home {
  root: string;
  env: Record<string, string>;
  credentialsFile: string;
  dockerConfig: string;
}

/**
 * PATH without any directory that holds a `docker` CLI (so docker-login writes the
 * config itself) or our credential helper (npm puts node_modules/.bin, which links
 * it, on PATH; the tests add it themselves where they mean to, with helperBinDir).
 */
export const pathWithoutDocker = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(
      (d) =>
        d && !existsSync(join(d, 'docker')) && !existsSync(join(d, 'docker-credential-latchkey')),
    )
    .join(delimiter);

/** A fresh HOME with LATCHKEY_HOME and DOCKER_CONFIG inside it. */
export function makeHome(root: string, extra: Record<string, string> = {}): Home {
  mkdirSync(root, { recursive: true });
  const env = {
    HOME: root,
    LATCHKEY_HOME: join(root, '.latchkey'),
    DOCKER_CONFIG: join(root, '.docker'),
    PATH: pathWithoutDocker(),
    NO_COLOR: '',
    LATCHKEY_SERVER: '',
    ...extra,
  };
  return {
    root,
    env,
    credentialsFile: join(env.LATCHKEY_HOME, 'credentials'),
    dockerConfig: join(env.DOCKER_CONFIG, 'config.json'),
  };
}

/** A directory holding `docker-credential-latchkey`, to put on PATH. */
export function helperBinDir(root: string): string {
  const dir = join(root, 'bin');
  mkdirSync(dir, { recursive: true });
  const link = join(dir, 'docker-credential-latchkey');
  if (!existsSync(link)) symlinkSync(HELPER_BIN, link);
  return dir;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `latchkey …` to completion with the given environment and stdin. */
export function cli(args: string[], env: Record<string, string>, input = ''): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, LATCHKEY_LOG: 'error', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `docker-credential-latchkey <op>` with `input` on stdin. */
export function helper(op: string, env: Record<string, string>, input = ''): CliRun {
  const r = spawnSync(process.execPath, [HELPER_BIN, op], {
    encoding: 'utf8',
    input,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const readJsonFile = <T = Record<string, unknown>>(path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as T;

/** Like `cli`, without blocking the event loop (for a server running in the test process). */
export function cliAsync(args: string[], env: Record<string, string>, input = ''): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, LATCHKEY_LOG: 'error', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Like `helper`, without blocking the event loop. */
export function helperAsync(op: string, env: Record<string, string>, input = ''): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HELPER_BIN, op], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `latchkey …` on a pseudo-terminal (util-linux `script`), answering what it
 * prints with `respond` (return text to type, or undefined). Resolves with the
 * exit code and everything the terminal showed.
 */
export function cliOnTty(
  args: string[],
  env: Record<string, string>,
  respond: (screen: string) => string | undefined,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, LATCHKEY_LOG: 'error', TERM: 'xterm', ...env },
    });
    let screen = '';
    let answered = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      const reply = respond(screen.slice(answered));
      if (reply !== undefined) {
        answered = screen.length;
        child.stdin.write(reply);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      screen += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolvePromise({ code, screen });
    });
  });
}
