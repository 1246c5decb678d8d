// Processes the multi-process tests share: a `latchkey runtime` child whose output can be
// waited on, and one front address over several `serve` processes (a load balancer's).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN, type Served } from './helpers.js';

/**
 * The one address the processes share, as a load balancer gives them: each request goes
 * to the first process that is up (A while it lives, then B), headers and body included.
 */
export async function startFront(servers: () => Served[]) {
  const front = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
        headers.set(name, value);
    for (const s of servers()) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
      try {
        const upstream = await fetch(`${s.url}${req.url}`, {
          method: req.method,
          headers,
          redirect: 'manual',
          ...(body.length > 0 ? { body } : {}),
        });
        const answer = Buffer.from(await upstream.arrayBuffer());
        const out: Record<string, string> = {};
        upstream.headers.forEach((value, name) => {
          if (
            !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(
              name,
            )
          )
            out[name] = value;
        });
        res.writeHead(upstream.status, out);
        res.end(answer);
        return;
      } catch {
        // that one is down: the next
      }
    }
    res.writeHead(502).end();
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const { port } = front.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        front.closeAllConnections();
        front.close(() => r());
      }),
  };
}

export interface RuntimeProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  /** Resolves once the output matches `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>;
  exit: Promise<number | null>;
}

export function startRuntime(args: string[], env: Record<string, string>): RuntimeProcess {
  const child = spawn(process.execPath, [BIN, 'runtime', ...args], {
    env: { ...process.env, LATCHKEY_LOG: 'error', ...env },
  });
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...watchers]) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => out,
    exit,
    waitFor: (pattern) =>
      new Promise((resolveWait, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          watchers.delete(check);
          resolveWait();
        };
        watchers.add(check);
        check();
        void exit.then((code) => {
          if (watchers.delete(check))
            reject(new Error(`runtime exited ${code} before ${pattern}: ${out}`));
        });
      }),
  };
}
