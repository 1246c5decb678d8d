// `latchkey auth login` without a key: the browser sign-in (RFC 8628's shape) with the
// CLI as a real process against a server in this process. The test plays the person in
// the browser: it reads the code the CLI printed and approves (or declines) it through
// the API with its account cookie. The server runs on the real clock: the CLI waits
// the server's 5 s interval before it polls.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { loadConfig, type RunningServer, startServer } from '@latchkey/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, cliOnTty, type Home, makeHome, readJsonFile } from './auth-helpers.js';
import { BIN, tempDir } from './helpers.js';
import { hasBinary } from './registry-harness.js';

const REGISTRY = '127.0.0.1:5997';
const CODE = /confirm the code ([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})/;
let root: string;
let server: RunningServer;
let cookie: string;
let homeSeq = 0;
const newHome = (extra: Record<string, string> = {}): Home =>
  makeHome(join(root, `home-${++homeSeq}`), extra);

beforeAll(async () => {
  root = tempDir('lk-device-');
  server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LATCHKEY_DATA_DIR: join(root, 'data'),
      LATCHKEY_LOG: 'silent',
      LATCHKEY_REGISTRY: REGISTRY,
      LATCHKEY_SIGNUP: 'open',
    }),
    { bootstrap: false, runtime: false },
  );
  const signUp = await fetch(`${server.url}/v1/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'partner@example.com', password: 'correct horse battery' }),
  });
  expect(signUp.status).toBe(200);
  cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const org = await api('POST', '/v1/orgs', { name: 'Acme Models', slug: 'acme' });
  expect(org.status).toBe(201);
  // An instance admin marks partner orgs; here, the database directly.
  await server.platform.db
    .updateTable('orgs')
    .set({ partner: true })
    .where('slug', '=', 'acme')
    .execute();
});

afterAll(async () => {
  await server?.close();
});

/** The person in the browser: a management call with their cookie. */
const api = (method: string, path: string, body?: unknown) =>
  fetch(server.url + path, {
    method,
    headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

/** Starts `latchkey auth login …` and resolves with the code it prints, and its end. */
function login(args: string[], home: Home) {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'auth', 'login', '--server', server.url, ...args],
    {
      env: { ...process.env, LATCHKEY_LOG: 'error', ...home.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let onCode: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => {
    onCode = resolve;
  });
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    const found = CODE.exec(stderr)?.[1];
    if (found) onCode(found);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (exit) => resolve({ code: exit, stdout, stderr })),
  );
  return { code, done };
}

describe('latchkey auth login in the browser', () => {
  it('prints the code and the link, and stores the approved key as a key login does', async () => {
    const home = newHome();
    const run = login([], home);
    const userCode = await run.code;
    const shown = await api('GET', `/v1/device/${userCode}`);
    expect(await shown.json()).toMatchObject({ userCode, state: 'pending' });
    const approved = await api('POST', `/v1/device/${userCode}/approve`, { org: 'acme' });
    expect(approved.status).toBe(200);
    const keyId = ((await approved.json()) as { key: { id: string } }).key.id;

    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `Open ${server.url}/device?code=${userCode} and confirm the code ${userCode}`,
    );
    // Not a terminal: no browser was opened.
    expect(r.stderr).not.toContain('Opened it in your browser');
    expect(r.stdout).toContain('Logged in to Acme Models (acme) on');
    expect(r.stdout).toContain(`Credentials saved to ${home.credentialsFile} (mode 0600).`);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    const stored = readJsonFile<{
      apiKey: string;
      keyId: string;
      orgSlug: string;
      registryToken: string;
    }>(home.credentialsFile);
    expect(stored).toMatchObject({ keyId, orgSlug: 'acme' });
    expect(stored.apiKey).toMatch(/^rp_/);
    expect(stored.registryToken).toMatch(/^rc_/);
    expect(r.stdout + r.stderr).not.toContain(stored.apiKey);

    // The key is the org's, named for this host; and the CLI works with it.
    const keys = (await (await api('GET', '/v1/orgs/acme/keys')).json()) as {
      data: Array<{ id: string; name: string; createdBy: string }>;
    };
    expect(keys.data.find((k) => k.id === keyId)?.name).toMatch(/^cli on [A-Za-z0-9]/);
    const docker = await cliAsync(['auth', 'docker-login', '--no-docker-cli'], home.env);
    expect(docker.code, docker.stderr).toBe(0);
    const status = await cliAsync(['auth', 'status', '--json'], home.env);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      org: { slug: 'acme' },
      key: { id: keyId },
      docker: { ready: true },
    });
  }, 60_000);

  it('exits 6 with the code and its fix when the person declines', async () => {
    const home = newHome();
    const run = login(['--json'], home);
    const userCode = await run.code;
    expect((await api('POST', `/v1/device/${userCode}/deny`)).status).toBe(200);
    const r = await run.done;
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'DEVICE_ACCESS_DENIED',
        message: `the sign-in with code ${userCode} was declined`,
        fix: 'The sign-in was declined in the browser; run latchkey auth login again.',
      },
    });
    expect(existsSync(home.credentialsFile)).toBe(false);
  }, 60_000);

  it('exits 6 with DEVICE_CODE_EXPIRED when the code runs out before anyone approves', async () => {
    const home = newHome();
    const run = login([], home);
    const userCode = await run.code;
    // Ten minutes pass (the server's row says so; the CLI is not made to wait them).
    await server.platform.db
      .updateTable('device_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_code', '=', userCode.replace('-', ''))
      .execute();
    const r = await run.done;
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('error DEVICE_CODE_EXPIRED: this sign-in code has expired');
    expect(r.stderr).toContain(
      '  fix: The sign-in code expired or was used; run latchkey auth login again.',
    );
    expect(existsSync(home.credentialsFile)).toBe(false);
  }, 60_000);

  describe.skipIf(!hasBinary('script'))('on a terminal', () => {
    /** A directory with a fake `xdg-open`/`open` that records the URL it was asked to open. */
    function fakeOpener(dir: string): string {
      mkdirSync(dir, { recursive: true });
      for (const name of ['xdg-open', 'open']) {
        const path = join(dir, name);
        writeFileSync(path, `#!/bin/sh\nprintf '%s' "$1" > "${join(dir, 'opened')}"\n`);
        chmodSync(path, 0o755);
      }
      return dir;
    }

    it('opens the browser where it can, and not with --no-browser', async () => {
      for (const browser of [true, false]) {
        const bin = fakeOpener(join(root, `opener-${browser}`));
        const home = newHome();
        home.env.PATH = `${bin}${delimiter}${home.env.PATH}`;
        let approving: Promise<Response> | undefined;
        const r = await cliOnTty(
          ['auth', 'login', '--server', server.url, ...(browser ? [] : ['--no-browser'])],
          home.env,
          (screen) => {
            const userCode = CODE.exec(screen)?.[1];
            if (userCode && !approving)
              approving = api('POST', `/v1/device/${userCode}/approve`, { org: 'acme' });
            return undefined;
          },
        );
        expect(r.code, r.screen).toBe(0);
        expect((await approving)?.status).toBe(200);
        const userCode = CODE.exec(r.screen)?.[1];
        const opened = join(bin, 'opened');
        if (browser) {
          expect(r.screen).toContain('Opened it in your browser.');
          expect(readFileSync(opened, 'utf8')).toBe(`${server.url}/device?code=${userCode}`);
        } else expect(existsSync(opened)).toBe(false);
      }
    }, 60_000);
  });
});
