// A real CNCF distribution registry (Debian's `docker-registry`) and skopeo, as
// processes, for the partner-flow tests.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { vi } from 'vitest';

export const hasBinary = (name: string) =>
  spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  host: string;
  output: () => string;
  stop(): Promise<void>;
  /** Stops and starts it again (it reads the CA bundle only at start). */
  restart(): Promise<void>;
}

/** Starts `docker-registry serve` with filesystem storage and the given `auth:` section. */
export async function startRegistry(
  dir: string,
  port: number,
  authYaml: string,
): Promise<Registry> {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const configFile = join(dir, 'config.yml');
  writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      authYaml,
    ].join('\n'),
  );
  const host = `127.0.0.1:${port}`;
  let out = '';
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn('docker-registry', ['serve', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await vi.waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`docker-registry exited: ${out}`);
        const res = await fetch(`http://${host}/v2/`);
        if (res.status !== 401) throw new Error(`docker-registry did not start: ${out}`);
      },
      { timeout: 15_000, interval: 20 },
    );
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  await start();
  return {
    host,
    output: () => out,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without blocking the event loop (the token server may live in this process). */
export function runAsync(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** skopeo with plain HTTP to the loopback registry. */
export function skopeo(args: string[], env: Record<string, string | undefined> = {}) {
  return runAsync('skopeo', args, { env });
}
