import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, run, runJson, type Served, serve, tempDir } from './helpers.js';

describe('latchkey admin on an idle data dir (direct)', () => {
  const dir = tempDir();
  const env = { LATCHKEY_DATA_DIR: dir };

  it('creates an org with a slug made from a unicode name', () => {
    const org = runJson<{ id: string; slug: string; partner: boolean; name: string }>(
      ['admin', 'org', 'create', '--name', 'Zürich Café ☕', '--partner'],
      env,
    );
    expect(org.slug).toBe('zurich-cafe');
    expect(org.name).toBe('Zürich Café ☕');
    expect(org.partner).toBe(true);
    expect(org.id).toMatch(/^org_/);
  });

  it('refuses a taken slug with CONFLICT and a fix', () => {
    const r = run(['admin', 'org', 'create', '--name', 'Zurich cafe'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error CONFLICT');
    expect(r.stderr).toContain('--slug');
  });

  it('creates, lists, rotates and revokes keys, and audits each change', () => {
    const app = runJson<{ id: string; secret: string; kind: string; expiresAt: string }>(
      [
        'admin',
        'key',
        'create',
        '--org',
        'zurich-cafe',
        '--name',
        'backend',
        '--expires-in',
        '30d',
      ],
      env,
    );
    expect(app.secret).toMatch(/^rk_[0-9A-Za-z]{38}$/);
    expect(app.kind).toBe('app');
    expect(new Date(app.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86400_000);
    const partner = runJson<{ secret: string }>(
      ['admin', 'key', 'create', '--org', 'zurich-cafe', '--kind', 'partner'],
      env,
    );
    expect(partner.secret).toMatch(/^rp_/);

    const listed = runJson<{
      keys: Array<{ id: string; display: string; state: string; createdBy: string }>;
    }>(['admin', 'key', 'list', '--org', 'zurich-cafe'], env);
    expect(listed.keys).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(app.secret);
    expect(listed.keys[0]?.display).toBe(`rk_…${app.secret.slice(-4)}`);
    expect(listed.keys[0]?.createdBy).toMatch(/^cli/);

    const human = run(['admin', 'key', 'list', '--org', 'zurich-cafe'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('backend');
    expect(human.stdout).not.toContain(app.secret);

    const rotated = runJson<{
      id: string;
      secret: string;
      old: { id: string; state: string; expiresAt: string };
    }>(['admin', 'key', 'rotate', app.id, '--grace', '1h'], env);
    expect(rotated.secret).not.toBe(app.secret);
    expect(rotated.old.id).toBe(app.id);
    expect(rotated.old.state).toBe('active');
    expect(new Date(rotated.old.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);

    const revoked = runJson<{ state: string; revokedReason: string }>(
      ['admin', 'key', 'revoke', rotated.id, '--reason', 'leaked'],
      env,
    );
    expect(revoked.state).toBe('revoked');
    expect(revoked.revokedReason).toBe('leaked');

    const again = run(['admin', 'key', 'revoke', rotated.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');

    const audit = runJson<{ events: Array<{ action: string }> }>(
      ['admin', 'audit', '--org', 'zurich-cafe', '--since', '1h'],
      env,
    );
    const actions = audit.events.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['org.created', 'key.created', 'key.rotated', 'key.revoked']),
    );
    const onlyRevokes = runJson<{ events: Array<{ action: string }> }>(
      ['admin', 'audit', '--org', 'zurich-cafe', '--action', 'key.revoked'],
      env,
    );
    expect(onlyRevokes.events.map((e) => e.action)).toEqual(['key.revoked']);
    // Nine runs of the binary, each opening the embedded database: over 30 s on a shared box.
  }, 120_000);

  it('refuses partner keys for non-partner orgs', () => {
    runJson(['admin', 'org', 'create', '--name', 'Plain'], env);
    const r = run(['admin', 'key', 'create', '--org', 'plain', '--kind', 'partner'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WRONG_KEY_KIND');
  });

  it('reports errors with a code and a fix, as JSON too', () => {
    const r = run(['admin', 'key', 'list', '--org', 'nope', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const bad = run(['admin', 'key', 'create', '--org', 'plain', '--expires-in', 'soon'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--expires-in');
    const grace = run(
      ['admin', 'key', 'rotate', 'key_0000000000000000000000', '--grace', '48h'],
      env,
    );
    expect(grace.code).toBe(1);
    expect(grace.stderr).toContain('INVALID_REQUEST');
    const usage = run(['admin', 'key', 'create'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--org');
  });

  it('creates users through the accounts library, with a one-time link to set a password', () => {
    const r = runJson<{
      user: {
        id: string;
        email: string;
        name: string;
        instanceAdmin: boolean;
        emailVerified: boolean;
      };
      passwordLink: string;
    }>(
      [
        'admin',
        'user',
        'create',
        '--email',
        'Ann@Example.com',
        '--name',
        'Ann',
        '--instance-admin',
      ],
      env,
    );
    expect(r.user.id).toMatch(/^usr_/);
    expect(r.user.email).toBe('ann@example.com');
    expect(r.user.instanceAdmin).toBe(true);
    expect(r.user.emailVerified).toBe(true);
    expect(r.passwordLink).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[0-9A-Za-z]{24}$/,
    );
    const human = run(['admin', 'user', 'create', '--email', 'bo@example.com'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Created user bo@example.com');
    expect(human.stdout).toMatch(/\/reset-password\?token=/);

    const listed = runJson<{
      users: Array<{ email: string; name: string; instanceAdmin: boolean }>;
    }>(['admin', 'user', 'list'], env);
    expect(listed.users.map((u) => [u.email, u.name, u.instanceAdmin])).toEqual([
      ['ann@example.com', 'Ann', true],
      ['bo@example.com', 'bo', false],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/password|scrypt|hash/i);
    // Four runs of the binary, each opening the embedded database (~3 s, more on a shared box).
  }, 90_000);

  it('refuses a taken email and a malformed one', () => {
    const taken = run(['admin', 'user', 'create', '--email', 'ANN@example.com'], env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('error EMAIL_TAKEN');
    const bad = run(['admin', 'user', 'create', '--email', 'not-an-email'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error INVALID_REQUEST');
  }, 60_000);

  it('rotates the signing key', () => {
    const r = runJson<{ kid: string; retired: string | null }>(
      ['admin', 'signing-key', 'rotate'],
      env,
    );
    expect(r.kid).toMatch(/^sig_/);
    expect(r.retired).toMatch(/^sig_/);
  });

  it('keeps the dev secret 0600', () => {
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
  });
});

describe('latchkey serve with admin commands through its socket', () => {
  const dir = tempDir();
  const env = { LATCHKEY_DATA_DIR: dir };
  let server: Served;

  beforeAll(async () => {
    server = await serve([], env);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('bootstraps a dev org and prints a working key once', async () => {
    expect(server.bootstrapKey).toMatch(/^rk_/);
    expect(server.output()).toContain(`curl -s -X POST ${server.url}/v1/tokens`);
    const r = await mint(server.url, server.bootstrapKey as string);
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^eyJ/);
  });

  it('prints a one-time sign-in link for the development user, owner of dev', async () => {
    const link = /^\s+(http:\/\/\S+\/v1\/auth\/magic-link\/verify\?token=\S+)\s*$/m.exec(
      server.output(),
    )?.[1];
    expect(server.output()).toContain('development user dev@localhost.test');
    expect(link).toBeDefined();
    const signedIn = await fetch(link as string, { redirect: 'manual' });
    expect(signedIn.status).toBe(302);
    const cookie = (signedIn.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const me = (await (await fetch(`${server.url}/v1/me`, { headers: { cookie } })).json()) as {
      user: { email: string; name: string };
      orgs: Array<{ slug: string; role: string }>;
    };
    expect(me.user).toMatchObject({ email: 'dev@localhost.test', name: 'Developer' });
    expect(me.orgs.map((o) => [o.slug, o.role])).toEqual([['dev', 'owner']]);
    const again = await fetch(link as string, { redirect: 'manual' });
    expect(again.headers.get('location')).toContain('error=');
  });

  it('admin user create through the socket: the link sets a password that signs in', async () => {
    const r = runJson<{ passwordLink: string }>(
      ['admin', 'user', 'create', '--email', 'cy@example.com'],
      env,
    );
    const token = new URL(r.passwordLink).searchParams.get('token');
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const set = await post('/v1/auth/reset-password', {
      token,
      newPassword: 'a long new password',
    });
    expect(set.status).toBe(200);
    const signIn = await post('/v1/auth/sign-in/email', {
      email: 'cy@example.com',
      password: 'a long new password',
    });
    expect(signIn.status).toBe(200);
    expect(((await signIn.json()) as { user: { email: string } }).user.email).toBe(
      'cy@example.com',
    );
  });

  it('owner-only admin socket', () => {
    expect(statSync(join(dir, 'admin.sock')).mode & 0o777).toBe(0o600);
  });

  it('admin commands go through the running server; a revoke stops the next mint', async () => {
    runJson(['admin', 'org', 'create', '--name', 'Walkthrough'], env);
    const key = runJson<{ id: string; secret: string }>(
      ['admin', 'key', 'create', '--org', 'walkthrough'],
      env,
    );
    expect((await mint(server.url, key.secret)).status).toBe(201);
    runJson(['admin', 'key', 'revoke', key.id, '--reason', 'test'], env);
    const refused = await mint(server.url, key.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error?.code).toBe('API_KEY_REVOKED');
  });

  it('a second serve on the same data dir is refused', () => {
    const r = run(['serve', '--port', '0'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DATA_DIR_BUSY');
  });

  it('does not bootstrap again on a non-empty database', async () => {
    await server.stop();
    server = await serve([], env);
    expect(server.bootstrapKey).toBeUndefined();
    expect(server.output()).not.toContain('First start');
  });
});

describe('latchkey serve --no-bootstrap', () => {
  it('prints no key', async () => {
    const s = await serve(['--no-bootstrap'], { LATCHKEY_DATA_DIR: tempDir() });
    try {
      expect(s.bootstrapKey).toBeUndefined();
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('names the bad variable at start-up', () => {
    const r = run(['serve'], { LATCHKEY_DATA_DIR: tempDir(), LATCHKEY_MINT_RATE_PER_KEY: 'lots' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LATCHKEY_MINT_RATE_PER_KEY');
  });
});
