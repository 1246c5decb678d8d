// `latchkey model weights` as a real process against a real `latchkey serve` and a real
// CNCF distribution registry (docker-registry 2.8) with our token auth. Between the CLI
// and the registry sits a byte-counting TCP proxy (the server's --registry is the
// proxy's address), so the bytes a push sends are counted on the wire, not taken from
// the CLI's own report.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliOnTty, type Home, makeHome } from './auth-helpers.js';
import { BIN, runJson, type Served, serve, tempDir } from './helpers.js';
import { freePort, hasBinary, type Registry, runAsync, startRegistry } from './registry-harness.js';

const IN_CI = process.env.CI === 'true';
const HAVE = hasBinary('docker-registry');
if (!HAVE && !IN_CI)
  console.warn(
    '[latchkey tests] docker-registry is missing: skipping the weights CLI suite locally (under CI=true this is a failure)',
  );

const MiB = 1024 * 1024;
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Proxy {
  port: number;
  /** Bytes from clients to the registry so far. */
  sent(): number;
  /** Stops reading from clients once `bytes` have gone through (a stalled link). */
  stallAt(bytes: number | undefined): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` counting client→registry bytes. */
function startProxy(target: number): Promise<Proxy> {
  let sent = 0;
  let stall: number | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      let chunk = d;
      if (stall !== undefined && sent + chunk.length >= stall) {
        chunk = chunk.subarray(0, Math.max(0, stall - sent));
        client.pause();
      }
      sent += chunk.length;
      if (chunk.length) upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        sent: () => sent,
        stallAt: (b) => {
          stall = b;
        },
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

const results: string[] = [];

describe.skipIf(!HAVE && !IN_CI)('latchkey model weights against a real registry', () => {
  let root: string;
  let served: Served;
  let registry: Registry;
  let proxy: Proxy;
  let home: Home;
  let src: string;
  const files: Record<string, Buffer> = {};
  const env = (extra: Record<string, string> = {}) => ({
    ...home.env,
    LATCHKEY_LOG: 'error',
    LATCHKEY_UPLOAD_CHUNK_BYTES: String(MiB),
    ...extra,
  });
  const latchkey = (args: string[], extra: Record<string, string> = {}) =>
    runAsync(process.execPath, [BIN, ...args], { env: env(extra), timeoutMs: 120_000 });
  const json = async <T = Record<string, unknown>>(
    args: string[],
    extra?: Record<string, string>,
  ) => {
    const r = await latchkey([...args, '--json'], extra);
    if (r.code !== 0)
      throw new Error(`latchkey ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return { ...r, body: JSON.parse(r.stdout) as T };
  };
  const tree = (dir: string) =>
    Object.fromEntries(
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const abs = join(e.parentPath, e.name);
          return [abs.slice(dir.length + 1), sha(readFileSync(abs))];
        }),
    );

  beforeAll(async () => {
    if (!HAVE) throw new Error('docker-registry is required (CI=true: failing, not skipping)');
    root = tempDir('lk-weights-cli-');
    const dataDir = join(root, 'data');
    const registryPort = await freePort();
    proxy = await startProxy(registryPort);
    // The platform fronts the proxy: every registry request of the CLI is counted.
    served = await serve([
      '--data-dir',
      dataDir,
      '--registry',
      `127.0.0.1:${proxy.port}`,
      '--no-bootstrap',
    ]);
    const admin = (...a: string[]) => runJson([...a, '--data-dir', dataDir]);
    admin('admin', 'org', 'create', '--name', 'Acme Models', '--slug', 'acme', '--partner');
    const partner = admin('admin', 'key', 'create', '--org', 'acme', '--kind', 'partner') as {
      secret: string;
    };
    const config = await runAsync(
      process.execPath,
      [BIN, 'admin', 'registry', 'config', '--out', join(root, 'certs'), '--data-dir', dataDir],
      { env: { LATCHKEY_LOG: 'error' } },
    );
    expect(config.code, config.stderr).toBe(0);
    expect(config.stdout).toContain('storage.delete.enabled: true');
    registry = await startRegistry(join(root, 'registry'), registryPort, config.stdout);
    home = makeHome(join(root, 'home'));
    const login = await runAsync(
      process.execPath,
      [BIN, 'auth', 'login', '--server', served.url, '--api-key-stdin', '--json'],
      { env: env(), input: `${partner.secret}\n` },
    );
    expect(login.code, login.stderr).toBe(0);
    const registered = await fetch(`${served.url}/v1/orgs/acme/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'styler', kind: 'realtime' }),
    });
    expect(registered.status).toBe(201);
    src = join(root, 'weights');
    files['model-00001.bin'] = randomBytes(16 * MiB);
    files['model-00002.bin'] = randomBytes(16 * MiB);
    files['config/tokenizer.bin'] = randomBytes(8 * MiB);
    for (const [path, data] of Object.entries(files)) {
      mkdirSync(join(src, path, '..'), { recursive: true });
      writeFileSync(join(src, path), data);
    }
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
    await proxy?.close();
    await served?.stop();
    if (results.length) console.log(`[weights] loopback figures:\n  ${results.join('\n  ')}`);
  });

  it('pushes a directory, pulls it back identical, and sends only a changed file for version 2', async () => {
    const total = 40 * MiB;
    const before = proxy.sent();
    const push = await json<{
      manifestDigest: string;
      totalBytes: number;
      bytesUploaded: number;
      bytesSkipped: number;
      seconds: number;
      files: Array<{ path: string; digest: string }>;
    }>(['model', 'weights', 'push', 'styler', src, '--version', '1']);
    const sent1 = proxy.sent() - before;
    expect(push.stderr).toBe('');
    expect(push.body.totalBytes).toBe(total);
    expect(push.body.bytesUploaded).toBe(total);
    expect(sent1).toBeGreaterThanOrEqual(total);
    expect(sent1).toBeLessThan(total + 200_000);
    results.push(
      `push 40 MiB (3 files): ${(total / MiB / push.body.seconds).toFixed(0)} MiB/s (${push.body.seconds.toFixed(2)} s, ${sent1} bytes on the wire)`,
    );

    const out = join(root, 'pulled-1');
    const pull = await json<{ seconds: number; files: unknown[] }>([
      'model',
      'weights',
      'pull',
      'acme/styler',
      '--version',
      '1',
      '--out',
      out,
    ]);
    expect(pull.stderr).toBe('');
    expect(tree(out)).toEqual(
      Object.fromEntries(Object.entries(files).map(([p, b]) => [p, sha(b)])),
    );
    results.push(
      `pull 40 MiB: ${(total / MiB / pull.body.seconds).toFixed(0)} MiB/s (${pull.body.seconds.toFixed(2)} s)`,
    );

    // Version 2: one file changed.
    files['config/tokenizer.bin'] = randomBytes(8 * MiB);
    writeFileSync(join(src, 'config/tokenizer.bin'), files['config/tokenizer.bin']);
    const mark = proxy.sent();
    const v2 = await json<{ bytesUploaded: number; bytesSkipped: number; blobsSkipped: number }>([
      'model',
      'weights',
      'push',
      'styler',
      src,
      '--version',
      '2',
    ]);
    const sent2 = proxy.sent() - mark;
    expect(v2.body.bytesUploaded).toBe(8 * MiB);
    expect(v2.body.bytesSkipped).toBe(32 * MiB);
    expect(sent2).toBeGreaterThanOrEqual(8 * MiB);
    expect(sent2).toBeLessThan(8 * MiB + 200_000);
    results.push(`version 2 (one 8 MiB file changed of 40 MiB): ${sent2} bytes on the wire`);

    const list = await json<{
      data: Array<{ version: string; fileCount: number; totalBytes: number }>;
    }>(['model', 'weights', 'list', 'styler']);
    expect(list.body.data.map((w) => [w.version, w.fileCount, w.totalBytes])).toEqual([
      ['2', 3, total],
      ['1', 3, total],
    ]);
    const again = await latchkey(['model', 'weights', 'push', 'styler', src, '--version', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'error WEIGHTS_VERSION_EXISTS: acme/styler already has weights version "2"',
    );
  });

  it('resumes after the CLI is killed mid-upload, sending well under the whole file again', async () => {
    const dir = join(root, 'weights-3');
    mkdirSync(dir);
    const big = randomBytes(24 * MiB);
    writeFileSync(join(dir, 'model.bin'), big);
    const knobs = {
      LATCHKEY_UPLOAD_PART_BYTES: String(MiB),
      LATCHKEY_UPLOAD_CHUNK_BYTES: String(256 * 1024),
    };
    const start = proxy.sent();
    // The link stalls once half the new file has gone through; then the CLI is killed.
    proxy.stallAt(start + 12 * MiB);
    const child = spawn(
      process.execPath,
      [BIN, 'model', 'weights', 'push', 'styler', dir, '--version', '3', '--json'],
      {
        env: { ...process.env, ...env(knobs) },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
    await vi.waitFor(() => expect(proxy.sent()).toBe(start + 12 * MiB), {
      timeout: 60_000,
      interval: 20,
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = proxy.sent() - start;
    proxy.stallAt(undefined);
    const uploads = join(home.env.LATCHKEY_HOME, 'uploads');
    expect(statSync(uploads).mode & 0o777).toBe(0o700);
    const states = readdirSync(uploads);
    expect(states.length).toBeGreaterThan(0);
    for (const f of states) expect(statSync(join(uploads, f)).mode & 0o777).toBe(0o600);

    const mark = proxy.sent();
    const resumed = await json<{ bytesUploaded: number; bytesSkipped: number; totalBytes: number }>(
      ['model', 'weights', 'push', 'styler', dir, '--version', '3'],
      knobs,
    );
    const after = proxy.sent() - mark;
    expect(after).toBeLessThan(0.6 * big.length);
    expect(after).toBeGreaterThanOrEqual(resumed.body.bytesUploaded);
    expect(resumed.body.bytesSkipped).toBeGreaterThanOrEqual(24 * MiB - 0.6 * big.length);
    expect(readdirSync(uploads)).toEqual([]);
    results.push(
      `resume (24 MiB file, 1 MiB parts, 256 KiB chunks): ${before} bytes before SIGKILL, ${after} after, ${before + after} total (${((after / big.length) * 100).toFixed(0)}% of the file resent)`,
    );

    const out = join(root, 'pulled-3');
    await json(['model', 'weights', 'pull', 'styler', '--version', '3', '--out', out]);
    expect(tree(out)).toEqual(tree(dir));
  });

  it('stops after the chunk in flight on Ctrl-C, and the next run continues from the offset the registry reports', async () => {
    const dir = join(root, 'weights-4');
    mkdirSync(dir);
    const big = randomBytes(24 * MiB);
    writeFileSync(join(dir, 'one.bin'), big); // one blob: under the 64 MiB part size
    const knobs = { LATCHKEY_UPLOAD_CHUNK_BYTES: String(MiB) };
    const start = proxy.sent();
    const child = spawn(
      process.execPath,
      [BIN, 'model', 'weights', 'push', 'styler', dir, '--version', '4', '--json'],
      { env: { ...process.env, ...env(knobs) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await vi.waitFor(() => expect(proxy.sent() - start).toBeGreaterThan(10 * MiB), {
      timeout: 60_000,
      interval: 5,
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const before = proxy.sent() - start;
    expect(JSON.parse(stdout).error.message).toMatch(
      /^stopped; run the push again to resume from \d+ of 25165824 bytes of one\.bin$/,
    );
    const hex = sha(big).slice(7);
    const state = JSON.parse(
      readFileSync(join(home.env.LATCHKEY_HOME, 'uploads', `${hex}.json`), 'utf8'),
    ) as { offset: number; size: number };
    expect(state.size).toBe(24 * MiB);
    expect(state.offset % MiB).toBe(0);
    expect(state.offset).toBeGreaterThanOrEqual(10 * MiB);

    const mark = proxy.sent();
    const resumed = await json<{ resumed: number; bytesUploaded: number; bytesSkipped: number }>(
      ['model', 'weights', 'push', 'styler', dir, '--version', '4'],
      knobs,
    );
    const after = proxy.sent() - mark;
    expect(resumed.body.resumed).toBe(1);
    expect(resumed.body.bytesSkipped).toBe(state.offset);
    expect(resumed.body.bytesUploaded).toBe(24 * MiB - state.offset);
    expect(after).toBeLessThan(24 * MiB - state.offset + 100_000);
    results.push(
      `Ctrl-C then resume (24 MiB, one blob, 1 MiB chunks): ${before} bytes before, ${after} after (the registry reported ${state.offset})`,
    );
    const out = join(root, 'pulled-4');
    await json(['model', 'weights', 'pull', 'styler', '--version', '4', '--out', out]);
    expect(tree(out)).toEqual(tree(dir));
  });

  it.skipIf(!hasBinary('script'))(
    'draws a progress bar (bytes, rate, ETA) and warns of a skipped symlink on a terminal',
    async () => {
      const dir = join(root, 'weights-5');
      mkdirSync(dir);
      writeFileSync(join(dir, 'w.bin'), randomBytes(8 * MiB));
      symlinkSync(join(dir, 'w.bin'), join(dir, 'link.bin'));
      const r = await cliOnTty(
        ['model', 'weights', 'push', 'styler', dir, '--version', '5'],
        env({ NO_COLOR: '1' }),
        () => undefined,
      );
      expect(r.code, r.screen).toBe(0);
      expect(r.screen).toContain('warning: skipping symlink link.bin');
      expect(r.screen).toMatch(/hashing +[█░]+ 8\.4 MB\/8\.4 MB [0-9.]+ [kMG]?B\/s ETA \d+:\d\d/);
      expect(r.screen).toMatch(/uploading [█░]+ 8\.4 MB\/8\.4 MB [0-9.]+ [kMG]?B\/s ETA \d+:\d\d/);
      expect(r.screen).toContain('Pushed acme/styler weights 5: 1 files, 8.4 MB in');
    },
  );

  it('refuses an empty directory, a model of another org, and deletes a version', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const r = await latchkey([
      'model',
      'weights',
      'push',
      'styler',
      empty,
      '--version',
      '9',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: `${empty} holds no regular files: nothing to push`,
    });
    const other = await latchkey([
      'model',
      'weights',
      'pull',
      'globex/styler',
      '--version',
      '1',
      '--out',
      empty,
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('error USAGE: "globex/styler" is not a model of org "acme"');
    const del = await json<{ version: string }>([
      'model',
      'weights',
      'delete',
      'styler',
      '--version',
      '1',
    ]);
    expect(del.body.version).toBe('1');
    const gone = await latchkey([
      'model',
      'weights',
      'pull',
      'styler',
      '--version',
      '1',
      '--out',
      empty,
    ]);
    expect(gone.stderr).toContain(
      'error WEIGHTS_NOT_FOUND: "acme/styler" has no weights version "1"',
    );
    expect(existsSync(join(empty, 'model-00001.bin'))).toBe(false);
  });
});
