import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COUNT_MEDIA,
  launchChromium,
  pageServer,
  requireChromium,
  SKIP_BROWSER,
  videoFlows,
} from '../../sdk/test/browser-page.js';
import { cli, type Home, makeHome } from './auth-helpers.js';
import { run, runJson, type Served, serve, tempDir } from './helpers.js';
import { type RuntimeProcess, startRuntime } from './processes.js';
import { freePort, hasBinary, type Registry, startRegistry } from './registry-harness.js';

const IN_CI = process.env.CI === 'true';
const HAVE = hasBinary('docker-registry');
if (!HAVE && !IN_CI)
  console.warn(
    '[latchkey tests] docker-registry is missing: skipping the partner runtime suite locally (under CI=true this is a failure). Install it with: node scripts/test-setup.mjs',
  );

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** The partner model of the walk-through (examples/partner-model), as its author ships it. */
const EXAMPLE_MODEL = readFileSync(
  join(REPO_ROOT, 'examples', 'partner-model', 'model.js'),
  'utf8',
);
const MODEL_SOURCE = (name: string) => {
  const source = EXAMPLE_MODEL.replace("name: 'styler'", `name: ${JSON.stringify(name)}`);
  if (!source.includes(JSON.stringify(name))) throw new Error('the example model has no name line');
  return source;
};

describe.skipIf((!HAVE && !IN_CI) || SKIP_BROWSER)('a partner runtime process', () => {
  let root: string;
  let dataDir: string;
  let served: Served;
  let registry: Registry;
  let home: Home;
  let partnerKey: string;
  let appKey: string;
  let weightsDir: string;
  let modelDir: string;
  let cacheDir: string;
  let runtimeKey: string;
  let runtime: RuntimeProcess | undefined;
  let site: Awaited<ReturnType<typeof pageServer>>;
  let browser: Browser;
  let page: Page;
  const admin = (...args: string[]) => [...args, '--data-dir', dataDir];

  const versionState = () => {
    const model = runJson<{ versions: { version: string; state: string }[] }>(
      ['model', 'status', 'styler'],
      home.env,
    );
    return model.versions.find((v) => v.version === '1')?.state;
  };

  /** The model file, in a directory whose node_modules link the packages it imports. */
  const writeModel = (name: string, file: string) => {
    writeFileSync(join(modelDir, file), MODEL_SOURCE(name));
    return join(modelDir, file);
  };

  beforeAll(async () => {
    if (!HAVE) throw new Error('docker-registry is required (CI=true: failing, not skipping)');
    requireChromium();
    root = tempDir('lk-partner-rt-');
    dataDir = join(root, 'data');
    const port = await freePort();
    served = await serve([
      '--data-dir',
      dataDir,
      '--registry',
      `127.0.0.1:${port}`,
      '--no-bootstrap',
    ]);
    runJson(
      admin('admin', 'org', 'create', '--name', 'Model Co', '--slug', 'modelco', '--partner'),
    );
    runJson(admin('admin', 'org', 'create', '--name', 'App Co', '--slug', 'appco'));
    partnerKey = runJson<{ secret: string }>(
      admin('admin', 'key', 'create', '--org', 'modelco', '--kind', 'partner'),
    ).secret;
    appKey = runJson<{ secret: string }>(
      admin('admin', 'key', 'create', '--org', 'appco', '--kind', 'app'),
    ).secret;
    const config = cli(admin('admin', 'registry', 'config', '--out', join(root, 'certs')), {});
    expect(config.code, config.stderr).toBe(0);
    registry = await startRegistry(join(root, 'registry'), port, config.stdout);
    home = makeHome(join(root, 'home'));
    const login = cli(
      ['auth', 'login', '--server', served.url, '--api-key-stdin'],
      home.env,
      `${partnerKey}\n`,
    );
    expect(login.code, login.stderr).toBe(0);

    // The partner's model, with the partner's CLI: registered, its weights pushed (and
    // recorded), version 1 published with them.
    runJson(['model', 'create', 'styler', '--kind', 'realtime', '--public'], home.env);
    weightsDir = join(root, 'weights');
    mkdirSync(join(weightsDir, 'tokenizer'), { recursive: true });
    writeFileSync(join(weightsDir, 'model.bin'), randomBytes(3 * 1024 * 1024));
    writeFileSync(join(weightsDir, 'tokenizer', 'vocab.json'), JSON.stringify({ a: 1, b: 2 }));
    runJson(['model', 'weights', 'push', 'styler', weightsDir, '--version', '1'], home.env);
    runJson(['model', 'publish', 'styler', '--version', '1', '--weights', '1'], home.env);

    // The model file lives outside the repo, as a partner's does: its imports resolve
    // through its own node_modules (here, links to the workspace's packages).
    modelDir = join(root, 'my-model');
    mkdirSync(join(modelDir, 'node_modules', '@latchkey'), { recursive: true });
    symlinkSync(
      join(REPO_ROOT, 'packages', 'runtime'),
      join(modelDir, 'node_modules', '@latchkey', 'runtime'),
    );
    symlinkSync(join(REPO_ROOT, 'node_modules', 'zod'), join(modelDir, 'node_modules', 'zod'));
    writeFileSync(join(modelDir, 'package.json'), JSON.stringify({ type: 'module' }));
    cacheDir = join(root, 'cache');

    site = await pageServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(COUNT_MEDIA);
    await page.goto(`${site.url}/`);
    await page.evaluate(`import('@latchkey/sdk').then((m) => { window.sdk = m; })`);
  });

  afterAll(async () => {
    if (runtime && runtime.child.exitCode === null) {
      runtime.child.kill('SIGTERM');
      await runtime.exit;
    }
    await browser?.close();
    await site?.close();
    await registry?.stop();
    await served?.stop();
  });

  it('gets a runtime credential of its org from the CLI, and lists it', () => {
    const made = runJson<{ id: string; secret: string }>(
      ['runtime', 'credentials', 'create', '--name', 'gpu-1'],
      home.env,
    );
    expect(made.secret).toMatch(/^rt_/);
    runtimeKey = made.secret;
    const list = runJson<{ id: string; name: string; state: string }[]>(
      ['runtime', 'credentials', 'list'],
      home.env,
    );
    expect(list).toEqual([
      expect.objectContaining({ id: made.id, name: 'gpu-1', state: 'offline' }),
    ]);
  });

  it('serves the model: weights pulled into the cache, then ready, and the version is live', async () => {
    const file = writeModel('styler', 'model.js');
    runtime = startRuntime(['--server', served.url, '--model', file, '--cache', cacheDir], {
      LATCHKEY_RUNTIME_KEY: runtimeKey,
    });
    await runtime.waitFor(/modelco\/styler@1 ready/);
    expect(runtime.output()).toContain('modelco/styler@1 (realtime, deploying)');
    const cached = readdirSync(cacheDir);
    expect(cached).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sha256-[0-9a-f]{64}$/)]),
    );
    expect(versionState()).toBe('live');
  });

  it("opens a session from Chromium with an app org's token: video flows, the model sees its weights", async () => {
    const minted = await fetch(`${served.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['modelco/styler'], origins: [site.url], expiresIn: 600 }),
    });
    const { token } = (await minted.json()) as { token: string };
    expect(token).toBeTruthy();
    const seen = await page.evaluate(
      async ({ token, baseUrl }) => {
        type W = { sdk: typeof import('@latchkey/sdk'); session: unknown };
        const w = window as unknown as W;
        const camera = await navigator.mediaDevices.getUserMedia({
          video: { width: 320, height: 240 },
        });
        const video = document.getElementById('remote') as HTMLVideoElement;
        const client = w.sdk.createClient({ token, baseUrl });
        const session = await client.realtime.connect({
          model: 'modelco/styler',
          localStream: camera,
          onRemoteStream: (s) => {
            video.srcObject = s;
          },
        });
        w.session = session;
        return { status: session.status, weights: await session.send('weights') };
      },
      { token, baseUrl: served.url },
    );
    await videoFlows(page);
    const sha = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(weightsDir, f)))
        .digest('hex');
    const weights = seen.weights as {
      path: string;
      sessionPath: string;
      files: { path: string; sha256: string }[];
    };
    expect(weights.sessionPath).toBe(weights.path);
    expect(seen.status).toBe('ready');
    expect(weights.path.startsWith(cacheDir)).toBe(true);
    expect(weights.files).toEqual([
      { path: 'model.bin', sha256: sha('model.bin') },
      { path: join('tokenizer', 'vocab.json'), sha256: sha(join('tokenizer', 'vocab.json')) },
    ]);
    await page.evaluate(() =>
      (window as unknown as { session: { disconnect(): Promise<void> } }).session.disconnect(),
    );
  });

  it('is no longer live once the runtime process stops', async () => {
    const proc = runtime as RuntimeProcess;
    proc.child.kill('SIGTERM');
    expect(await proc.exit).toBe(0);
    expect(versionState()).toBe('registered');
    // The model's log shows the runtime joining (deploying, then ready) and leaving.
    const log = run(['model', 'logs', 'styler', '--json'], home.env);
    expect(log.code, log.stderr).toBe(0);
    const actions = log.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions).toEqual(expect.arrayContaining(['runtime.registered', 'runtime.deregistered']));
  });

  it('starts again from the cache, without pulling', async () => {
    const file = join(modelDir, 'model.js');
    runtime = startRuntime(['--server', served.url, '--model', file, '--cache', cacheDir], {
      LATCHKEY_RUNTIME_KEY: runtimeKey,
      LATCHKEY_LOG: 'info',
    });
    await runtime.waitFor(/modelco\/styler@1 ready/);
    expect(runtime.output()).toContain('weights found in the cache');
    expect(runtime.output()).not.toContain('weights pulled');
    runtime.child.kill('SIGTERM');
    expect(await runtime.exit).toBe(0);
  });

  it("refuses, at start, a runtime announcing another org's model: the code, a non-zero exit", async () => {
    const file = writeModel('otherco/painter', 'other.js');
    const refused = startRuntime(['--server', served.url, '--model', file, '--cache', cacheDir], {
      LATCHKEY_RUNTIME_KEY: runtimeKey,
    });
    const code = await refused.exit;
    expect(code).not.toBe(0);
    expect(refused.output()).toContain('RUNTIME_MODEL_NOT_ALLOWED');
    expect(refused.output()).toContain('otherco/painter');
  });

  it('revokes the credential from the CLI: the runtime is refused from then on', async () => {
    const [cred] = runJson<{ id: string }[]>(['runtime', 'credentials', 'list'], home.env);
    const revoked = runJson<{ id: string; sessionsEnded: number }>(
      ['runtime', 'credentials', 'revoke', cred?.id ?? ''],
      home.env,
    );
    expect(revoked).toEqual({ id: cred?.id, sessionsEnded: 0 });
    const [after] = runJson<{ state: string }[]>(['runtime', 'credentials', 'list'], home.env);
    expect(after?.state).toBe('revoked');
    const again = run(['runtime', 'credentials', 'revoke', cred?.id ?? ''], home.env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('NOT_FOUND');
    const refused = startRuntime(
      ['--server', served.url, '--model', join(modelDir, 'model.js'), '--cache', cacheDir],
      { LATCHKEY_RUNTIME_KEY: runtimeKey },
    );
    expect(await refused.exit).not.toBe(0);
    expect(refused.output()).toContain('RUNTIME_CREDENTIAL_REVOKED');
  });

  it('still needs --server to run, and the program still answers --version', () => {
    const bare = run(['runtime'], { LATCHKEY_RUNTIME_KEY: runtimeKey });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("required option '--server <url>' not specified");
    const lone = run(['runtime', '--server', served.url, '--version', '1'], {
      LATCHKEY_RUNTIME_KEY: runtimeKey,
    });
    expect([lone.code, lone.stderr]).toEqual([2, expect.stringContaining('pass --model too')]);
    const version = run(['--version']);
    expect([version.code, version.stdout.trim()]).toEqual([0, '0.1.0']);
  });
});
