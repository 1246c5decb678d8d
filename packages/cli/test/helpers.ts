import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../bin/latchkey.js');

export const tempDir = (name = 'lk-cli-') => mkdtempSync(join(tmpdir(), name));

/** Runs the built `latchkey` binary to completion. */
export function run(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LATCHKEY_LOG: 'error', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runJson<T = Record<string, unknown>>(
  args: string[],
  env: Record<string, string | undefined> = {},
): T {
  const r = run([...args, '--json'], env);
  if (r.code !== 0)
    throw new Error(`latchkey ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  bootstrapKey: string | undefined;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `latchkey serve` as a real process and waits for its URL (and bootstrap key). */
export function serve(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, LATCHKEY_LOG: 'error', ...env },
  });
  let out = '';
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /^\s+(rk_[0-9A-Za-z]{38})\s*$/m.exec(out)?.[1];
      if (url && out.includes('API docs:')) {
        clearTimeout(timer);
        resolveServed({
          child,
          url,
          bootstrapKey: key,
          output: () => out,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${out}`));
    });
  });
}

export async function mint(url: string, key: string, body?: unknown) {
  const res = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as { token?: string; error?: { code: string; message: string } },
  };
}
