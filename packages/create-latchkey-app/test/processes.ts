// Child processes for the end-to-end tests: commands run to completion without blocking
// the test's event loop, and long-running servers started in their own process group
// so that stopping one stops its children too.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Finished {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a command to completion; stdout and stderr together in `output`. */
export function exec(
  command: string,
  args: string[],
  o: { cwd: string; env?: Record<string, string | undefined>; input?: string },
): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: { ...process.env, ...o.env } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output, ms: performance.now() - started }));
    child.stdin.end(o.input ?? '');
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Running {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a server and waits until its output matches `ready`. */
export function start(
  command: string,
  args: string[],
  o: { cwd: string; env: Record<string, string | undefined>; ready: RegExp; timeoutMs?: number },
): Promise<Running> {
  const child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: true });
  let out = '';
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        done();
      }
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} did not start:\n${out}`));
    }, o.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      // Colours come on under CI=true (picocolors reads it): match the text without them.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is stripped
      if (o.ready.test(out.replace(/\x1b\[[0-9;]*m/g, ''))) {
        clearTimeout(timer);
        resolve({ child, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}
