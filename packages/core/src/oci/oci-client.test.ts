// The OCI client against a real CNCF distribution registry (Debian's docker-registry,
// no auth: the token dance is checked below with a scripted fetch, and end to end with
// the server's token auth in the CLI's and server's tests).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OciError } from './oci-error.js';
import { pullWeights } from './pull-weights.js';
import { pushWeights, type UploadState, type UploadStateStore } from './push-weights.js';
import { parseChallenge } from './registry-auth.js';
import { createRegistryClient } from './registry-client.js';
import { readWeightsManifest, WEIGHTS_CONFIG, WEIGHTS_FILE } from './weights-manifest.js';

const MiB = 1024 * 1024;
let dir: string;
let registry: string;
let child: ChildProcess;
let log = '';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function memoryState(): UploadStateStore & { map: Map<string, UploadState> } {
  const map = new Map<string, UploadState>();
  return {
    map,
    get: (d) => map.get(d),
    set: (s) => void map.set(s.digest, { ...s }),
    delete: (d) => void map.delete(d),
  };
}

/** A fetch that counts request-body bytes, as a proxy on the wire would. */
function countingFetch() {
  const counter = { sent: 0 };
  const f: typeof fetch = (input, init) => {
    const b = init?.body;
    if (b instanceof Uint8Array) counter.sent += b.length;
    return fetch(input, init);
  };
  return { f, counter };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lk-oci-'));
  const port = await freePort();
  registry = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'config.yml'),
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
      `  addr: ${registry}`,
      '',
    ].join('\n'),
  );
  child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.on('error', (e) => {
    log += String(e);
  });
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
      const res = await fetch(`http://${registry}/v2/`);
      expect(res.status).toBe(200);
    },
    { timeout: 15_000, interval: 20 },
  );
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function weightsDir(files: Record<string, Buffer>): string {
  const d = mkdtempSync(join(dir, 'w-'));
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(d, path, '..'), { recursive: true });
    writeFileSync(join(d, path), data);
  }
  return d;
}

const tree = (d: string) =>
  Object.fromEntries(
    (readdirSync(d, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile())
      .map((e) => {
        const abs = join(e.parentPath, e.name);
        return [abs.slice(d.length + 1), sha(readFileSync(abs))];
      }),
  );

describe('pushWeights and pullWeights on docker-registry 2.8', () => {
  const files = {
    'a.bin': randomBytes(3 * MiB + 17),
    'nested/deep/b.bin': randomBytes(700_000),
    'c.json': Buffer.from('{"layers":12}'),
    'empty.txt': Buffer.alloc(0),
  };
  let src: string;

  it('pushes a directory (split files, chunks), pulls it back identical, and skips unchanged blobs', async () => {
    src = weightsDir(files);
    symlinkSync(join(src, 'a.bin'), join(src, 'link.bin'));
    const warnings: string[] = [];
    const { f, counter } = countingFetch();
    const pushed = await pushWeights({
      registry,
      repository: 'acme/weights/styler',
      reference: '1',
      dir: src,
      chunkBytes: 256 * 1024,
      partBytes: MiB,
      onWarning: (w) => warnings.push(w),
      fetch: f,
    });
    expect(warnings).toEqual(['skipping symlink link.bin']);
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(pushed.totalBytes).toBe(total);
    expect(pushed.bytesUploaded).toBe(total);
    // Chunk bodies, the config blob and the manifest, nothing twice.
    expect(counter.sent).toBeGreaterThanOrEqual(total);
    expect(counter.sent).toBeLessThan(total + 10_000);
    expect(pushed.files.map((x) => x.path)).toEqual([
      'a.bin',
      'c.json',
      'empty.txt',
      'nested/deep/b.bin',
    ]);
    expect(pushed.files.find((x) => x.path === 'a.bin')?.digest).toBe(sha(files['a.bin']));

    const client = createRegistryClient({ registry });
    const m = (await client.getManifest('acme/weights/styler', '1')) as {
      manifest: {
        config: { mediaType: string };
        layers: Array<{ mediaType: string; annotations: Record<string, string> }>;
      };
      digest: string;
    };
    expect(m.digest).toBe(pushed.digest);
    expect(m.manifest.config.mediaType).toBe(WEIGHTS_CONFIG);
    expect(m.manifest.layers).toHaveLength(4 + 3); // a.bin is 4 parts of 1 MiB
    expect(new Set(m.manifest.layers.map((l) => l.mediaType))).toEqual(new Set([WEIGHTS_FILE]));
    expect(m.manifest.layers[0]?.annotations).toMatchObject({
      'org.opencontainers.image.title': 'a.bin',
      'io.latchkey.weights.part': '1/4',
    });

    const out = join(dir, 'out1');
    const pulled = await pullWeights({
      registry,
      repository: 'acme/weights/styler',
      reference: pushed.digest,
      outDir: out,
    });
    expect(pulled.files).toEqual(pushed.files);
    expect(tree(out)).toEqual(
      Object.fromEntries(Object.entries(files).map(([p, b]) => [p, sha(b)])),
    );

    // Version 2 with one file changed: only that file's bytes go up.
    writeFileSync(join(src, 'nested/deep/b.bin'), randomBytes(700_000));
    const again = countingFetch();
    const v2 = await pushWeights({
      registry,
      repository: 'acme/weights/styler',
      reference: '2',
      dir: src,
      partBytes: MiB,
      fetch: again.f,
    });
    expect(v2.bytesUploaded).toBe(700_000);
    expect(v2.blobsUploaded).toBe(1);
    expect(again.counter.sent).toBeLessThan(700_000 + 10_000);
  });

  it('resumes a stopped upload from the offset the registry reports', async () => {
    const big = weightsDir({ 'big.bin': randomBytes(2 * MiB) });
    const state = memoryState();
    const stop = new AbortController();
    const first = countingFetch();
    const err = await pushWeights({
      registry,
      repository: 'acme/weights/resume',
      reference: '1',
      dir: big,
      chunkBytes: 128 * 1024,
      state,
      fetch: first.f,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase === 'uploading' && p.done >= 1.2 * MiB) stop.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciError);
    expect((err as OciError).message).toMatch(
      /^stopped; run the push again to resume from 1310720 of 2097152 bytes/,
    );
    const saved = [...state.map.values()][0] as UploadState;
    expect(saved.offset).toBe(1310720);

    const second = countingFetch();
    const r = await pushWeights({
      registry,
      repository: 'acme/weights/resume',
      reference: '1',
      dir: big,
      chunkBytes: 128 * 1024,
      state,
      fetch: second.f,
    });
    expect(r.resumed).toBe(1);
    expect(r.bytesUploaded).toBe(2 * MiB - 1310720);
    expect(second.counter.sent).toBeLessThan(2 * MiB - 1310720 + 10_000);
    expect(state.map.size).toBe(0);
    const out = join(dir, 'out-resume');
    await pullWeights({ registry, repository: 'acme/weights/resume', reference: '1', outDir: out });
    expect(tree(out)).toEqual(tree(big));
  });

  it('resumes an upload stopped before its first chunk (distribution reports 0 bytes as Range: 0-0)', async () => {
    const d = weightsDir({ 'z.bin': randomBytes(300_000) });
    const state = memoryState();
    const stop = new AbortController();
    stop.abort();
    await expect(
      pushWeights({
        registry,
        repository: 'acme/weights/zero',
        reference: '1',
        dir: d,
        state,
        signal: stop.signal,
      }),
    ).rejects.toMatchObject({
      message: /^stopped; run the push again to resume from 0 of 300000 bytes/,
    });
    expect([...state.map.values()][0]?.offset).toBe(0);
    const r = await pushWeights({
      registry,
      repository: 'acme/weights/zero',
      reference: '1',
      dir: d,
      state,
    });
    expect(r.resumed).toBe(1);
    expect(r.bytesUploaded).toBe(300_000);
  });

  it('starts over when the registry no longer knows the saved upload', async () => {
    const small = weightsDir({ 'x.bin': randomBytes(300_000) });
    const state = memoryState();
    const digest = sha(readFileSync(join(small, 'x.bin')));
    state.set({
      registry,
      repository: 'acme/weights/gone',
      digest,
      size: 300_000,
      url: `http://${registry}/v2/acme/weights/gone/blobs/uploads/00000000-0000-0000-0000-000000000000?_state=x`,
      offset: 100_000,
    });
    const r = await pushWeights({
      registry,
      repository: 'acme/weights/gone',
      reference: '1',
      dir: small,
      state,
    });
    expect(r.resumed).toBe(0);
    expect(r.bytesUploaded).toBe(300_000);
    expect(state.map.size).toBe(0);
  });

  it('refuses an empty directory and a missing one', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    await expect(
      pushWeights({ registry, repository: 'acme/weights/x', reference: '1', dir: empty }),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: `${empty} holds no regular files: nothing to push`,
    });
    await expect(
      pushWeights({
        registry,
        repository: 'acme/weights/x',
        reference: '1',
        dir: join(dir, 'nope'),
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: `${join(dir, 'nope')}: no such directory`,
    });
  });

  it('removes a file whose bytes do not match, with WEIGHTS_DIGEST_MISMATCH', async () => {
    const body = randomBytes(200_000);
    const d = weightsDir({ 'w.bin': body });
    const pushed = await pushWeights({
      registry,
      repository: 'acme/weights/bad',
      reference: '1',
      dir: d,
    });
    // Corrupt the blob in the registry's storage (a disk fault, a tampered store).
    const hex = sha(body).slice(7);
    const blob = join(dir, 'storage/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(blob);
    bytes[1000] = (bytes[1000] as number) ^ 0xff;
    writeFileSync(blob, bytes);
    const out = join(dir, 'out-bad');
    const err = (await pullWeights({
      registry,
      repository: 'acme/weights/bad',
      reference: pushed.digest,
      outDir: out,
    }).catch((e: unknown) => e)) as OciError;
    expect(err.code).toBe('WEIGHTS_DIGEST_MISMATCH');
    expect(err.message).toMatch(/the partial file was removed$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('deletes a manifest by digest; fetching it then is WEIGHTS_NOT_FOUND', async () => {
    const d = weightsDir({ 'k.bin': randomBytes(1000) });
    const pushed = await pushWeights({
      registry,
      repository: 'acme/weights/del',
      reference: '1',
      dir: d,
    });
    const client = createRegistryClient({ registry });
    expect(await client.deleteManifest('acme/weights/del', pushed.digest)).toBe('deleted');
    expect(await client.deleteManifest('acme/weights/del', pushed.digest)).toBe('absent');
    await expect(client.getManifest('acme/weights/del', '1')).rejects.toMatchObject({
      code: 'WEIGHTS_NOT_FOUND',
    });
  });
});

describe('the token dance', () => {
  it('answers a Bearer challenge with Basic at the realm, caches the token per scope, and retries', async () => {
    const calls: Array<{ url: string; auth: string | null }> = [];
    const f: typeof fetch = async (input, init) => {
      const url = String(input);
      const auth = new Headers(init?.headers).get('authorization');
      calls.push({ url, auth });
      if (url.startsWith('https://auth.example/token'))
        return Response.json({ token: 'T1', expires_in: 300 });
      if (auth !== 'Bearer T1')
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate':
              'Bearer realm="https://auth.example/token",service="reg",scope="repository:acme/w:pull"',
          },
        });
      return new Response(null, { status: 200 });
    };
    const c = createRegistryClient({
      registry: 'reg.example',
      auth: { username: 'acme', password: 'rc_x' },
      fetch: f,
    });
    expect(await c.hasBlob('acme/w', `sha256:${'0'.repeat(64)}`)).toBe(true);
    expect(await c.hasBlob('acme/w', `sha256:${'1'.repeat(64)}`)).toBe(true);
    expect(calls.map((x) => x.url)).toEqual([
      `https://reg.example/v2/acme/w/blobs/sha256:${'0'.repeat(64)}`,
      'https://auth.example/token?service=reg&scope=repository%3Aacme%2Fw%3Apull%2Cpush',
      `https://reg.example/v2/acme/w/blobs/sha256:${'0'.repeat(64)}`,
      `https://reg.example/v2/acme/w/blobs/sha256:${'1'.repeat(64)}`,
    ]);
    expect(calls[1]?.auth).toBe(`Basic ${Buffer.from('acme:rc_x').toString('base64')}`);
    expect(c.lastScope()).toBe('repository:acme/w:pull');
  });

  it('turns a refused token request into REGISTRY_UNAUTHORIZED', async () => {
    const f: typeof fetch = async (input) =>
      String(input).startsWith('https://auth.example')
        ? Response.json({ error: { code: 'INVALID_API_KEY', message: 'bad key' } }, { status: 401 })
        : new Response(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="https://auth.example/t"' },
          });
    const c = createRegistryClient({
      registry: 'reg.example',
      auth: { username: 'a', password: 'b' },
      fetch: f,
    });
    await expect(c.getManifest('acme/w', '1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAUTHORIZED',
      message: "the registry's token endpoint refused: bad key",
    });
  });

  it('parses challenges', () => {
    expect(
      parseChallenge('Bearer realm="http://x/t",service="s",scope="repository:a/b:pull,push"'),
    ).toEqual({
      realm: 'http://x/t',
      service: 's',
      scope: 'repository:a/b:pull,push',
    });
    expect(parseChallenge('Basic realm="x"')).toBeUndefined();
  });
});

describe('readWeightsManifest', () => {
  const layer = (title: string, extra: Record<string, string> = {}) => ({
    mediaType: WEIGHTS_FILE,
    digest: `sha256:${'a'.repeat(64)}`,
    size: 10,
    annotations: { 'org.opencontainers.image.title': title, ...extra },
  });
  const manifest = (layers: unknown[], config = WEIGHTS_CONFIG) => ({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: config, digest: `sha256:${'b'.repeat(64)}`, size: 2 },
    layers,
  });
  it('refuses what is not a safe weights manifest', () => {
    const msg = (v: unknown) => {
      try {
        readWeightsManifest(v);
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg(manifest([layer('a')]))).toBe('ok');
    expect(msg(manifest([layer('a')], 'application/vnd.oci.image.config.v1+json'))).toMatch(
      /config.mediaType/,
    );
    for (const t of ['../x', '/etc/passwd', 'a/../../b', 'a//b', 'a\\b', './a', ''])
      expect(msg(manifest([layer(t)]))).toMatch(/must be a relative path/);
    expect(msg(manifest([layer('a'), layer('a')]))).toMatch(/a appears twice/);
    expect(msg(manifest([{ ...layer('a'), mediaType: 'application/octet-stream' }]))).toMatch(
      /layer 0: mediaType/,
    );
    const part = (i: string) =>
      layer('big', {
        'io.latchkey.weights.part': i,
        'io.latchkey.weights.file.digest': `sha256:${'c'.repeat(64)}`,
        'io.latchkey.weights.file.size': '20',
      });
    expect(msg(manifest([part('1/2'), part('2/2')]))).toBe('ok');
    expect(msg(manifest([part('2/2'), part('1/2')]))).toMatch(/out of order/);
    expect(msg(manifest([part('1/2')]))).toMatch(/missing parts/);
    expect(msg(manifest([part('1/3'), part('2/3'), part('3/3')]))).toMatch(/do not add up/);
  });
});
