// `latchkey auth` and `docker-credential-latchkey` as real processes against a
// Latchkey server in this process (with a manual clock): the credentials file,
// the hidden prompt on a pseudo-terminal, progress output, auto-refresh, the
// credential-helper protocol, and every error of the troubleshooting table.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKey } from '@latchkey/core';
import { embeddedRuntime } from '@latchkey/runtime';
import {
  type AdminApi,
  createAdminApi,
  loadConfig,
  manualClock,
  type RunningServer,
  startServer,
} from '@latchkey/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliAsync,
  cliOnTty,
  type Home,
  helperAsync,
  makeHome,
  readJsonFile,
} from './auth-helpers.js';
import { tempDir } from './helpers.js';
import { freePort, hasBinary } from './registry-harness.js';

const REGISTRY = '127.0.0.1:5998';
const clock = manualClock();
let root: string;
let server: RunningServer;
let admin: AdminApi;
let partnerKey: string;
let appKey: string;
let homeSeq = 0;
const newHome = (extra: Record<string, string> = {}): Home =>
  makeHome(join(root, `home-${++homeSeq}`), extra);

const createKey = async (kind: 'app' | 'partner', expiresInSeconds?: number) => {
  const k = await admin.createKey({ org: 'acme', kind, expiresInSeconds, actor: 'test' });
  if (!k.ok) throw new Error(k.message);
  return k.value;
};

async function loggedIn(extra: Record<string, string> = {}): Promise<Home> {
  const home = newHome(extra);
  const r = await cliAsync(
    ['auth', 'login', '--server', server.url, '--api-key-stdin'],
    home.env,
    partnerKey,
  );
  expect(r.code, r.stderr).toBe(0);
  return home;
}

const credentials = (home: Home) =>
  readJsonFile<{
    registryToken: string;
    registryTokenExpiresAt: string;
    docker: { method: string } | null;
  }>(home.credentialsFile);

beforeAll(async () => {
  root = tempDir('lk-auth-');
  server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LATCHKEY_DATA_DIR: join(root, 'data'),
      LATCHKEY_LOG: 'silent',
      LATCHKEY_REGISTRY: REGISTRY,
      LATCHKEY_AUTH_FAILURES_PER_IP: '0',
    }),
    { clock, bootstrap: false, runtime: embeddedRuntime() },
  );
  admin = createAdminApi(server.platform);
  const org = await admin.createOrg({
    name: 'Acme Models',
    slug: 'acme',
    partner: true,
    actor: 'test',
  });
  if (!org.ok) throw new Error(org.message);
  partnerKey = (await createKey('partner')).secret;
  appKey = (await createKey('app')).secret;
});

afterAll(async () => {
  await server?.close();
});

describe('the credentials file', () => {
  it('is written 0600 in a 0700 directory, tightening modes someone widened', async () => {
    const home = newHome();
    mkdirSync(home.env.LATCHKEY_HOME, { mode: 0o755 });
    chmodSync(home.env.LATCHKEY_HOME, 0o755);
    writeFileSync(home.credentialsFile, '{}', { mode: 0o644 });
    const r = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin', '--json'],
      home.env,
      `  ${partnerKey}\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      org: { slug: 'acme' },
      registry: REGISTRY,
      credentialsFile: home.credentialsFile,
    });
    expect(r.stdout).not.toContain(partnerKey);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    expect(statSync(home.env.LATCHKEY_HOME).mode & 0o777).toBe(0o700);
    expect(readdirSync(home.env.LATCHKEY_HOME)).toEqual(['credentials']);

    chmodSync(home.credentialsFile, 0o644);
    const s = await cliAsync(['auth', 'status'], home.env);
    expect(s.stderr).toContain('was readable by others; set its mode to 0600');
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('is replaced atomically: a reader never sees a partial file, even when the writer is killed', async () => {
    const home = newHome();
    mkdirSync(home.env.LATCHKEY_HOME, { recursive: true });
    const dist = resolve(import.meta.dirname, '../dist/credentials-file.js');
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { writeCredentials } from ${JSON.stringify(dist)};
         const big = 'x'.repeat(200_000);
         for (let i = 0; ; i++) writeCredentials({ version: 1, server: 'http://s', apiKey: 'rp_' + i, pad: i % 2 ? big : '' });`,
      ],
      { env: { ...process.env, LATCHKEY_HOME: home.env.LATCHKEY_HOME }, stdio: 'ignore' },
    );
    let reads = 0;
    const inodes = new Set<number>();
    // Read until the file has been replaced many times over (bounded by the test's
    // timeout, not by a clock): every read must parse whole.
    while (reads < 200 || inodes.size < 3) {
      if (!existsSync(home.credentialsFile)) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      const text = readFileSync(home.credentialsFile, 'utf8');
      const parsed = JSON.parse(text); // throws on a torn write
      expect(parsed.apiKey).toMatch(/^rp_\d+$/);
      inodes.add(statSync(home.credentialsFile).ino);
      reads++;
      if (reads % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    expect(inodes.size).toBeGreaterThan(1); // replaced by rename, not rewritten in place
    expect(JSON.parse(readFileSync(home.credentialsFile, 'utf8')).version).toBe(1);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!hasBinary('git'))(
    'warns when it sits inside a git work tree, with the fix, until git ignores it',
    async () => {
      const repo = join(root, 'dotfiles');
      mkdirSync(repo, { recursive: true });
      const git = (...args: string[]) =>
        new Promise<void>((done) =>
          spawn('git', ['-C', repo, ...args], { stdio: 'ignore' }).once('close', () => done()),
        );
      await git('init', '-q');
      const home = makeHome(repo);
      const r = await cliAsync(
        ['auth', 'login', '--server', server.url, '--api-key-stdin'],
        home.env,
        partnerKey,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `warning: ${home.credentialsFile} is inside the git work tree ${repo}`,
      );
      expect(r.stderr).toContain(
        `fix: add "/.latchkey/" to ${join(repo, '.gitignore')}, or set LATCHKEY_HOME`,
      );
      writeFileSync(join(repo, '.gitignore'), '/.latchkey/\n');
      const again = await cliAsync(
        ['auth', 'login', '--server', server.url, '--api-key-stdin'],
        home.env,
        partnerKey,
      );
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('git work tree');
      const outside = await cliAsync(
        ['auth', 'login', '--server', server.url, '--api-key-stdin'],
        newHome().env,
        partnerKey,
      );
      expect(outside.stderr).not.toContain('git work tree');
    },
  );
});

describe.skipIf(!hasBinary('script'))('on a terminal', () => {
  it('asks for the key with a hidden prompt and never echoes it', async () => {
    const home = newHome({ NO_COLOR: '1' });
    const r = await cliOnTty(
      ['auth', 'login', '--server', server.url, '--api-key-prompt'],
      home.env,
      (screen) =>
        screen.includes('Partner API key (rp_…, input hidden): ') ? `${partnerKey}\r` : undefined,
    );
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('Logged in to Acme Models (acme)');
    expect(r.screen).not.toContain(partnerKey);
    expect(r.screen).not.toContain(partnerKey.slice(3, 20));
    // Progress showed while waiting on the server, without colour under NO_COLOR.
    expect(r.screen).toContain('Checking the key with');
    expect(r.screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(r.screen).not.toContain('\x1b[36m');
    expect(credentials(home).registryToken).toMatch(/^rc_/);
  });

  it('colours the spinner when NO_COLOR is unset, handles backspace, and Ctrl-C cancels with 130', async () => {
    const home = newHome();
    const typed = `${partnerKey.slice(0, 10)}zz\x7f\x7f${partnerKey.slice(10)}\r`;
    const r = await cliOnTty(
      ['auth', 'login', '--server', server.url, '--api-key-prompt'],
      home.env,
      (screen) => (screen.includes('input hidden') ? typed : undefined),
    );
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('\x1b[36m');
    const cancelled = await cliOnTty(
      ['auth', 'login', '--server', server.url, '--api-key-prompt'],
      newHome().env,
      (screen) => (screen.includes('input hidden') ? 'rp_abc\x03' : undefined),
    );
    expect(cancelled.code).toBe(130);
    expect(cancelled.screen).toContain('error USAGE: cancelled');
  });

  it('shows no progress and asks for --api-key-stdin when stdin is not a terminal', async () => {
    const home = newHome();
    const r = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-prompt'],
      home.env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error USAGE: stdin is not a terminal');
    expect(r.stderr).toContain('fix: Pipe the key in with --api-key-stdin');
    const ok = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      home.env,
      partnerKey,
    );
    expect(ok.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no ANSI escape may reach a pipe
    expect(ok.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|\x1b\[/);
  });
});

describe('refreshing the registry credential', () => {
  it('the helper hands out a fresh credential when the stored one expires within 10 minutes, and keeps a config entry current', async () => {
    const home = await loggedIn();
    expect((await cliAsync(['auth', 'docker-login'], home.env)).code).toBe(0);
    const before = credentials(home);
    const stale = new Date(Date.now() + 9 * 60_000).toISOString();
    writeFileSync(
      home.credentialsFile,
      JSON.stringify({ ...before, registryTokenExpiresAt: stale }),
    );
    const status = await cliAsync(['auth', 'status'], home.env);
    expect(status.stdout).toContain('— refreshed on next use');

    const r = await helperAsync('get', home.env, `${REGISTRY}\n`);
    expect(r.code, r.stdout).toBe(0);
    const got = JSON.parse(r.stdout) as { ServerURL: string; Username: string; Secret: string };
    expect(got).toMatchObject({ ServerURL: REGISTRY, Username: 'acme' });
    expect(got.Secret).not.toBe(before.registryToken);
    const after = credentials(home);
    expect(after.registryToken).toBe(got.Secret);
    expect(Date.parse(after.registryTokenExpiresAt) - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    const docker = readJsonFile<{ auths: Record<string, { auth: string }> }>(home.dockerConfig);
    expect(Buffer.from(docker.auths[REGISTRY]?.auth ?? '', 'base64').toString()).toBe(
      `acme:${got.Secret}`,
    );

    // A credential with more than 10 minutes left is used as it is.
    const again = JSON.parse((await helperAsync('get', home.env, REGISTRY)).stdout) as {
      Secret: string;
    };
    expect(again.Secret).toBe(got.Secret);
  });

  it('an expired credential shows as "expired — refreshed on next use" and docker-login refreshes it', async () => {
    const home = await loggedIn();
    const before = credentials(home);
    writeFileSync(
      home.credentialsFile,
      JSON.stringify({
        ...before,
        registryTokenExpiresAt: new Date(Date.now() - 60_000).toISOString(),
      }),
    );
    const status = await cliAsync(['auth', 'status', '--json'], home.env);
    expect(JSON.parse(status.stdout).registry.credential).toBe('expired');
    const human = await cliAsync(['auth', 'status'], home.env);
    expect(human.stdout).toContain('credential:  expired — refreshed on next use');
    const r = await cliAsync(['auth', 'docker-login'], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(credentials(home).registryToken).not.toBe(before.registryToken);
  });
});

describe('docker-credential-latchkey', () => {
  it('speaks the credential-helper protocol', async () => {
    const home = await loggedIn();
    const other = await helperAsync('get', home.env, 'https://index.docker.io/v1/');
    expect(other.code).toBe(1);
    expect(other.stdout.trim()).toBe('credentials not found in native keychain');
    const withScheme = await helperAsync('get', home.env, `https://${REGISTRY}/`);
    expect(withScheme.code).toBe(0);
    expect(JSON.parse((await helperAsync('list', home.env)).stdout)).toEqual({
      [REGISTRY]: 'acme',
    });
    expect(
      (
        await helperAsync(
          'store',
          home.env,
          JSON.stringify({ ServerURL: REGISTRY, Username: 'x', Secret: 'y' }),
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await helperAsync(
          'store',
          home.env,
          JSON.stringify({ ServerURL: 'ghcr.io', Username: 'x', Secret: 'y' }),
        )
      ).code,
    ).toBe(1);
    expect((await helperAsync('erase', home.env, REGISTRY)).code).toBe(0);
    expect((await helperAsync('bogus', home.env)).code).toBe(2);
    const none = await helperAsync('get', newHome().env, REGISTRY);
    expect(none.code).toBe(3);
    expect(none.stdout).toContain('error NOT_LOGGED_IN: credentials file not found');
    expect(none.stdout).toContain('fix: Run latchkey auth login.');
    expect(JSON.parse((await helperAsync('list', newHome().env)).stdout)).toEqual({});
  });
});

describe('status and logout', () => {
  it('status --json reports the org, key, server, registry and Docker; logout undoes what was written', async () => {
    const home = await loggedIn();
    mkdirSync(home.env.DOCKER_CONFIG, { recursive: true });
    writeFileSync(home.dockerConfig, JSON.stringify({ auths: { 'ghcr.io': { auth: 'eDp5' } } }));
    expect((await cliAsync(['auth', 'docker-login', '--helper'], home.env)).code).toBe(0);
    const s = await cliAsync(['auth', 'status', '--json'], home.env);
    const status = JSON.parse(s.stdout);
    expect(status).toMatchObject({
      loggedIn: true,
      server: { url: server.url, reachable: true },
      org: { slug: 'acme', name: 'Acme Models' },
      key: { valid: true },
      registry: { host: REGISTRY, credential: 'valid' },
      docker: { method: 'helper', ready: false },
      error: { code: 'REGISTRY_UNAUTHORIZED' },
    });
    expect(status.key.display).toMatch(/^rp_…/);
    expect(s.stdout).not.toContain(partnerKey);
    expect(s.code).toBe(1);

    const out = await cliAsync(['auth', 'logout'], home.env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`and the Docker entry for ${REGISTRY}`);
    expect(existsSync(home.credentialsFile)).toBe(false);
    const docker = readJsonFile<{
      auths: Record<string, unknown>;
      credHelpers: Record<string, string>;
    }>(home.dockerConfig);
    expect(docker.credHelpers[REGISTRY]).toBeUndefined();
    expect(docker.auths['ghcr.io']).toBeDefined();
    const twice = await cliAsync(['auth', 'logout'], home.env);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('Not logged in');
  });
});

describe('errors, each with its fix and a documented exit code', () => {
  it('invalid API key: malformed (offline) or unknown (server) — exit 4, "partner keys start with rp_"', async () => {
    const malformed = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      newHome().env,
      'rp_not-a-key',
    );
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toContain('error INVALID_API_KEY: the API key is malformed');
    expect(malformed.stderr.toLowerCase()).toContain('fix: partner keys start with rp_');
    const unknown = `rp_${'A'.repeat(38)}`;
    const u = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      newHome().env,
      unknown,
    );
    expect([u.code, u.stderr.split('\n')[0]]).toEqual([
      4,
      'error INVALID_API_KEY: the API key is malformed: the key checksum does not match (mistyped or truncated)',
    ]);
    // A well-formed key the server does not know.
    const stranger = generateKey('partner');
    const k = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      newHome().env,
      stranger,
    );
    expect(k.code).toBe(4);
    expect(k.stderr).toBe(
      `error INVALID_API_KEY: the API key rp_…${stranger.slice(-4)} is not known\n  fix: Partner keys start with rp_; paste the whole key again, or ask your org admin for one.\n`,
    );
  });

  it('an app key is the wrong kind — exit 4, "partner keys start with rp_"', async () => {
    const r = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      newHome().env,
      appKey,
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error WRONG_KEY_KIND: rk_…');
    expect(r.stderr).toContain('partner keys start with rp_');
    // And the server refuses it registry credentials on its own account.
    const res = await fetch(`${server.url}/v1/registry/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appKey}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WRONG_KEY_KIND');
  });

  it('key expired — exit 4, with the fix', async () => {
    const k = await createKey('partner', 60);
    const start = clock.now();
    clock.advance(61_000);
    try {
      const r = await cliAsync(
        ['auth', 'login', '--server', server.url, '--api-key-stdin'],
        newHome().env,
        k.secret,
      );
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`error API_KEY_EXPIRED: the API key ${k.key.display} has expired`);
      expect(r.stderr).toContain(
        'fix: The key has expired; ask your org admin for a new partner key, then run latchkey auth login.',
      );
    } finally {
      clock.set(start);
    }
  });

  it('key revoked — exit 4, "revoked by an org admin"; status reports it too', async () => {
    const k = await createKey('partner');
    const home = newHome();
    expect(
      (
        await cliAsync(
          ['auth', 'login', '--server', server.url, '--api-key-stdin'],
          home.env,
          k.secret,
        )
      ).code,
    ).toBe(0);
    expect((await admin.revokeKey({ id: k.key.id, actor: 'test' })).ok).toBe(true);
    const r = await cliAsync(
      ['auth', 'login', '--server', server.url, '--api-key-stdin'],
      newHome().env,
      k.secret,
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`error API_KEY_REVOKED: the API key ${k.key.display} was revoked`);
    expect(r.stderr).toContain(
      'fix: The key was revoked by an org admin; ask them for a new partner key, then run latchkey auth login.',
    );
    const s = await cliAsync(['auth', 'status'], home.env);
    expect(s.code).toBe(4);
    expect(s.stdout).toContain('reachable, key refused (API_KEY_REVOKED)');
    expect(s.stderr).toContain('revoked by an org admin');
  });

  it('credentials file not found — exit 3, "run latchkey auth login"', async () => {
    for (const args of [
      ['auth', 'status'],
      ['auth', 'docker-login'],
    ]) {
      const home = newHome();
      const r = await cliAsync(args, home.env);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error NOT_LOGGED_IN: credentials file not found at ${home.credentialsFile}\n  fix: Run latchkey auth login.\n`,
      );
    }
  });

  it('registry push unauthorized — exit 1, "run latchkey auth docker-login"', async () => {
    const home = await loggedIn();
    const none = await cliAsync(['auth', 'status'], home.env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      `error REGISTRY_UNAUTHORIZED: registry push unauthorized: Docker's config has no working credential for ${REGISTRY} (no entry for ${REGISTRY})`,
    );
    expect(none.stderr).toContain(
      'fix: Run latchkey auth docker-login (add --helper so it never expires).',
    );
    expect((await cliAsync(['auth', 'docker-login'], home.env)).code).toBe(0);
    expect((await cliAsync(['auth', 'status'], home.env)).code).toBe(0);
    const start = clock.now();
    clock.advance(12 * 3600_000);
    try {
      const expired = await cliAsync(['auth', 'status', '--json'], home.env);
      expect(expired.code).toBe(1);
      const s = JSON.parse(expired.stdout);
      expect(s.error.code).toBe('REGISTRY_UNAUTHORIZED');
      expect(s.error.message).toContain('expired at');
      expect(s.error.fix).toBe(
        'Run latchkey auth docker-login (add --helper so it never expires).',
      );
    } finally {
      clock.set(start);
    }
  });

  it('server unreachable — exit 5, with the fix', async () => {
    const port = await freePort();
    const r = await cliAsync(
      ['auth', 'login', '--server', `http://127.0.0.1:${port}`, '--api-key-stdin'],
      newHome().env,
      partnerKey,
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `error SERVER_UNREACHABLE: cannot reach the Latchkey server at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(r.stderr).toContain(
      'fix: Check the server URL and your network; log in to another with latchkey auth login --server URL.',
    );
    const home = await loggedIn();
    const c = readJsonFile(home.credentialsFile);
    writeFileSync(
      home.credentialsFile,
      JSON.stringify({ ...c, server: `http://127.0.0.1:${port}` }),
    );
    const s = await cliAsync(['auth', 'status', '--json'], home.env);
    expect(s.code).toBe(5);
    expect(JSON.parse(s.stdout)).toMatchObject({
      server: { reachable: false },
      error: { code: 'SERVER_UNREACHABLE' },
    });
    const bad = await cliAsync(
      ['auth', 'login', '--server', 'ftp://x', '--api-key-stdin'],
      newHome().env,
      partnerKey,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error USAGE: --server: "ftp://x" is not http or https');
  });
});
