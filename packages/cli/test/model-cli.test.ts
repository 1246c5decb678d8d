// `latchkey model …` as a person runs it: the built CLI as real processes, logged in with
// a partner key against a real `latchkey serve`: create, publish (flags and latchkey.yaml),
// list, status, retire, logs and logs --follow (ended with Ctrl-C).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli, type Home, makeHome } from './auth-helpers.js';
import { BIN, mint, runJson, type Served, serve, tempDir } from './helpers.js';

let root: string;
let dataDir: string;
let served: Served;
let home: Home;
let appKey: string;
const admin = (...args: string[]) => [...args, '--data-dir', dataDir];

/** `latchkey …` in `cwd` (where latchkey.yaml is read from). */
function model(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [BIN, 'model', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LATCHKEY_LOG: 'error', ...home.env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  root = tempDir('lk-model-cli-');
  dataDir = join(root, 'data');
  served = await serve(['--data-dir', dataDir, '--no-bootstrap']);
  runJson(admin('admin', 'org', 'create', '--name', 'Model Co', '--slug', 'modelco', '--partner'));
  runJson(admin('admin', 'org', 'create', '--name', 'App Co', '--slug', 'appco'));
  const partner = runJson<{ secret: string }>(
    admin('admin', 'key', 'create', '--org', 'modelco', '--kind', 'partner'),
  );
  appKey = runJson<{ secret: string }>(
    admin('admin', 'key', 'create', '--org', 'appco', '--kind', 'app'),
  ).secret;
  home = makeHome(join(root, 'home'));
  const login = cli(
    ['auth', 'login', '--server', served.url, '--api-key-stdin'],
    home.env,
    `${partner.secret}\n`,
  );
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await served?.stop();
});

describe('latchkey model', () => {
  it('create registers <org-slug>/NAME, private, with the orgs allowed to use it', async () => {
    const r = model([
      'create',
      'styler',
      '--kind',
      'realtime',
      '--description',
      'Restyles video',
      '--allow-org',
      'appco',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Registered modelco/styler (realtime, private, also for appco)');
    const again = model(['create', 'modelco/styler', '--kind', 'batch', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('MODEL_EXISTS');
    const other = model(['create', 'otherco/x', '--kind', 'batch']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('model "otherco/x" is not in org "modelco"');
  });

  it('publish reads latchkey.yaml, registering the model first', () => {
    const dir = join(root, 'batcher');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'latchkey.yaml'),
      [
        'name: modelco/batcher',
        'kind: batch',
        'description: Renders stills',
        'visibility: public',
        'version: 1.10',
        'resources:',
        '  gpu: a10',
        '  memory: 16Gi',
        '',
      ].join('\n'),
    );
    const r = model(['publish'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Registered modelco/batcher (batch, public)');
    // As written: YAML alone would read 1.10 as the number 1.1.
    expect(r.stdout).toContain('Published modelco/batcher version 1.10 (default)');
    const status = JSON.parse(model(['status', 'batcher', '--json']).stdout);
    expect(status.versions[0]).toMatchObject({
      version: '1.10',
      resources: { gpu: 'a10', memory: '16Gi' },
    });
  });

  it('publish names each problem of a bad latchkey.yaml with its line, exit 2', () => {
    const file = join(root, 'bad.yaml');
    writeFileSync(
      file,
      ['name: modelco/bad', 'kind: streaming', 'version: "not ok!"', ''].join('\n'),
    );
    const r = model(['publish', '--file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} has 2 problems:`);
    expect(r.stderr).toMatch(/line 2: kind: .*realtime.*batch/);
    expect(r.stderr).toMatch(/line 3: version: letters, digits/);
    const none = model(['publish'], join(root, 'home'));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no latchkey.yaml in');
  });

  it('publish with flags: the first version is the default, --no-default keeps it', async () => {
    expect(model(['publish', 'styler', '--version', '1']).stdout).toContain(
      'Published modelco/styler version 1 (default)',
    );
    const second = model(['publish', 'styler', '--version', '2', '--no-default']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Published modelco/styler version 2\n');
    const dup = model(['publish', 'styler', '--version', '2']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('error MODEL_VERSION_EXISTS: version "2" of "modelco/styler"');
    // The listed app org may now mint tokens for it.
    expect((await mint(served.url, appKey, { models: ['modelco/styler@2'] })).status).toBe(201);
  });

  it('list shows the models, their defaults and version states', () => {
    const r = model(['list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+VISIBILITY\s+DEFAULT\s+VERSIONS$/);
    expect(lines[1]).toMatch(/^modelco\/batcher\s+batch\s+public\s+1\.10\s+1\.10 registered$/);
    expect(lines[2]).toMatch(
      /^modelco\/styler\s+realtime\s+private\s+1\s+2 registered, 1 registered$/,
    );
    const json = JSON.parse(model(['list', '--json']).stdout);
    expect(json.data.map((m: { name: string }) => m.name)).toEqual([
      'modelco/batcher',
      'modelco/styler',
    ]);
  });

  it('status shows the versions with states, the default, and who may use it', () => {
    const r = model(['status', 'modelco/styler']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('modelco/styler (realtime, private): Restyles video');
    expect(r.stdout).toContain('Default version: 1');
    expect(r.stdout).toContain('Allowed orgs: appco');
    expect(r.stdout).toContain('Runtimes serving it: 0');
    expect(r.stdout).toMatch(/\n2\s+registered\s+-\s+-\s+-\n/);
    expect(r.stdout).toMatch(/\n1\s+registered\s+yes\s+-\s+-\s+-\n/);
    const missing = model(['status', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'error MODEL_NOT_FOUND: no model "modelco/nope" in org "modelco"',
    );
  });

  it('update changes visibility, the allowed orgs and the default version', async () => {
    const open = model(['update', 'styler', '--public', '--default-version', '2']);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toContain('Updated modelco/styler (public); default version: 2');
    const back = model([
      'update',
      'styler',
      '--private',
      '--allow-org',
      'appco',
      '--default-version',
      '1',
    ]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(
      'Updated modelco/styler (private, also for appco); default version: 1',
    );
    const nothing = model(['update', 'styler']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('error USAGE: nothing to change');
  });

  it('retire moves the default on, and tokens for the retired version are refused', async () => {
    const r = model(['retire', 'styler', '--version', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Retired version 1 of modelco/styler; default version: 2');
    const refused = await mint(served.url, appKey, { models: ['modelco/styler@1'] });
    expect(refused.status).toBe(410);
    expect(refused.body.error?.code).toBe('MODEL_RETIRED');
    const unknown = model(['retire', 'styler', '--version', '9', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe('MODEL_VERSION_NOT_FOUND');
  });

  it('logs shows the model’s log: registered, published, updated, retired', () => {
    const r = model(['logs', 'styler']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('  ')[1])).toEqual([
      'model.registered',
      'model.version_published',
      'model.version_published',
      'model.updated',
      'model.updated',
      'model.version_retired',
    ]);
    expect(lines[1]).toContain('ok  modelco/styler  modelco/styler  version=1');
    const json = model(['logs', 'styler', '--json']).stdout.trim().split('\n');
    expect(JSON.parse(json.at(-1) as string)).toMatchObject({
      action: 'model.version_retired',
      data: { model: 'modelco/styler', version: '1', defaultVersion: '2' },
    });
  });

  it('logs --follow prints new lines as they come, and Ctrl-C ends it cleanly', async () => {
    let out = '';
    const follower: ChildProcess = spawn(
      process.execPath,
      [BIN, 'model', 'logs', 'styler', '--follow', '--interval', '100'],
      { env: { ...process.env, LATCHKEY_LOG: 'error', ...home.env } },
    );
    follower.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => follower.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(out).toContain('model.version_retired'), { timeout: 20_000 });
      const published = model(['publish', 'styler', '--version', '3']);
      expect(published.code, published.stderr).toBe(0);
      await vi.waitFor(() => expect(out).toContain('version=3'), { timeout: 20_000 });
      expect(out.split('\n').filter((l) => l.includes('version=3'))).toHaveLength(1);
    } finally {
      follower.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
