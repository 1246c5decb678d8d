// Accounts through the real app: sign-up, sign-in, sign-out (everywhere), /v1/me,
// enumeration, rate limits, mail (a real SMTP server on loopback), password reset and
// change, TOTP with backup codes, one-time sign-in links, the sign-up policy, the
// development user and the audit rows. The same suite on PGlite and on real PostgreSQL.
import type { AddressInfo } from 'node:net';
import { createOTP } from '@better-auth/utils/otp';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvitation } from '../src/accounts/invitations.js';
import { signInLink } from '../src/accounts/users.js';
import { createAdminApi, type RunningServer } from '../src/index.js';
import {
  createTestDatabase,
  type ErrorBody,
  embeddedConfig,
  PG_URL,
  pollUntil,
  postgresAvailable,
  postgresConfig,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

const PASSWORD = 'correct horse battery';

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
async function startSmtp() {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          mails.push({
            to: to?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** The next mail to `to` whose subject matches, once it arrives. */
    next: (to: string, subject: RegExp, after = 0): Promise<Mail> =>
      pollUntil(
        `a mail to ${to} about ${subject}`,
        async () => mails.slice(after).find((m) => m.to === to && subject.test(m.subject)),
        10_000,
      ),
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ');

/** Starts servers on the backend, each on its own database; closes them all. */
function servers(backend: (typeof backends)[number]) {
  const started: Array<{ server: RunningServer; dir: TempDir; db?: TestDatabase }> = [];
  return {
    async start(env: Record<string, string>, bootstrap: boolean) {
      const dir = tempDir('lk-accounts-');
      let db: TestDatabase | undefined;
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        db = await createTestDatabase();
      }
      const config = db ? postgresConfig(db.url, dir.dir, env) : embeddedConfig(dir.dir, env);
      const server = await startServer(config, { bootstrap, runtime: false });
      started.push({ server, dir, db });
      return server;
    },
    async closeAll() {
      for (const s of started) {
        await s.server.close();
        await s.db?.drop();
        s.dir.remove();
      }
    },
  };
}

function client(server: RunningServer) {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const started = performance.now();
    const res = await fetch(server.url + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const ms = performance.now() - started;
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    return { res, status: res.status, json, ms, cookie: cookieOf(res) };
  };
  return {
    post: (path: string, body: unknown, cookie?: string) =>
      call('POST', path, body, cookie ? { cookie } : {}),
    get: (path: string, cookie?: string) => call('GET', path, undefined, cookie ? { cookie } : {}),
    signIn: (email: string, password = PASSWORD) =>
      call('POST', '/v1/auth/sign-in/email', { email, password }),
  };
}

const codeOf = (json: Record<string, unknown>) => (json as unknown as ErrorBody).error?.code;

/** The current code of an otpauth:// URI, by a TOTP library of its own (not the server's path). */
async function totpNow(uri: string): Promise<string> {
  const base32 = new URL(uri).searchParams.get('secret') ?? '';
  // The URI carries the secret base32-encoded; the library takes the raw secret.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, ''))
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => Number.parseInt(b, 2))).toString(
    'utf8',
  );
  return createOTP(bytes, { digits: 6, period: 30 }).totp();
}

describe.each(backends)('accounts on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    const s = servers(backend);
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let server: RunningServer;
    let api: ReturnType<typeof client>;
    let n = 0;
    const email = () => `person-${n++}-${Date.now()}@example.com`;

    /** Signs up with mail on: the verification mail's link verifies and signs in. */
    async function signUpVerified(address: string, password = PASSWORD) {
      const up = await api.post('/v1/auth/sign-up/email', { email: address, password, name: 'P' });
      expect(up.status).toBe(200);
      expect(up.json.signedIn).toBe(false);
      const mail = await smtp.next(address, /Verify your email/);
      const link = /(http:\/\/\S+\/v1\/auth\/verify-email\?\S+)/.exec(mail.text)?.[1];
      expect(link).toBeDefined();
      const verified = await api.get(
        new URL(link as string).pathname + new URL(link as string).search,
      );
      expect(verified.status).toBe(302);
      expect(verified.cookie).toContain('session_token=');
      return { cookie: verified.cookie, user: up.json.user as { id: string } };
    }

    beforeAll(async () => {
      smtp = await startSmtp();
      server = await s.start(
        {
          LATCHKEY_SMTP_URL: smtp.url,
          LATCHKEY_SIGNIN_PER_IP: '100000',
          LATCHKEY_SIGNIN_FAILURES_PER_ACCOUNT: '100000',
        },
        true,
      );
      api = client(server);
    });

    afterAll(async () => {
      await s.closeAll();
      await smtp?.close();
    });

    it('sign-up mails a verification link; sign-in waits for it (EMAIL_NOT_VERIFIED)', async () => {
      const address = email();
      const up = await api.post('/v1/auth/sign-up/email', { email: address, password: PASSWORD });
      expect(up.status).toBe(200);
      expect(up.json).toMatchObject({
        signedIn: false,
        user: { email: address, emailVerified: false },
      });
      expect(up.cookie).toBe('');
      const early = await api.signIn(address);
      expect(early.status).toBe(403);
      expect(codeOf(early.json)).toBe('EMAIL_NOT_VERIFIED');

      const mail = await smtp.next(address, /Verify your email/);
      const link = new URL(/(http:\/\/\S+verify-email\S+)/.exec(mail.text)?.[1] ?? '');
      const verified = await api.get(link.pathname + link.search);
      expect(verified.status).toBe(302);
      expect(verified.res.headers.get('location')).toBe('/');
      const me = await api.get('/v1/me', verified.cookie);
      expect(me.status).toBe(200);
      expect(me.json.user).toMatchObject({ email: address, emailVerified: true });
      expect((await api.signIn(address)).status).toBe(200);
      // A token that is not the server's: no sign-in, the error in the redirect.
      link.searchParams.set('token', `${link.searchParams.get('token')}x`);
      const forged = await api.get(link.pathname + link.search);
      expect(forged.status).toBe(302);
      expect(forged.res.headers.get('location')).toBe('/?error=INVALID_TOKEN');
      expect(forged.cookie).toBe('');
    });

    it('signs in and out; sign-out everywhere ends the other cookies', async () => {
      const address = email();
      await signUpVerified(address);
      const a = await api.signIn(address);
      expect(a.status).toBe(200);
      expect(a.json).toEqual({
        user: expect.objectContaining({
          email: address,
          twoFactorEnabled: false,
          instanceAdmin: false,
        }),
      });
      expect(JSON.stringify(a.json)).not.toMatch(/token/i);
      expect(a.res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      const b = await api.signIn(address);
      const c = await api.signIn(address);
      const me = await api.get('/v1/me', a.cookie);
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ user: { email: address }, orgs: [] });

      expect((await api.post('/v1/auth/sign-out', {}, a.cookie)).status).toBe(200);
      expect(codeOf((await api.get('/v1/me', a.cookie)).json)).toBe('NOT_SIGNED_IN');
      expect((await api.get('/v1/me', c.cookie)).status).toBe(200);
      expect((await api.post('/v1/auth/sign-out', { everywhere: true }, b.cookie)).status).toBe(
        200,
      );
      const after = await api.get('/v1/me', c.cookie);
      expect(after.status).toBe(401);
      expect(codeOf(after.json)).toBe('NOT_SIGNED_IN');
    });

    it('an unknown email and a wrong password get the same answer', async () => {
      const address = email();
      await signUpVerified(address);
      const times = { unknown: [] as number[], wrong: [] as number[] };
      let unknown: Awaited<ReturnType<typeof api.signIn>> | undefined;
      let wrong: Awaited<ReturnType<typeof api.signIn>> | undefined;
      for (let i = 0; i < 5; i++) {
        unknown = await api.signIn(`nobody-${i}@example.com`, 'wrong password 1');
        wrong = await api.signIn(address, 'wrong password 1');
        times.unknown.push(unknown.ms);
        times.wrong.push(wrong.ms);
      }
      if (!unknown || !wrong) throw new Error('no answers');
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      const strip = (j: Record<string, unknown>) => ({
        ...(j.error as object),
        requestId: undefined,
      });
      expect(strip(unknown.json)).toEqual(strip(wrong.json));
      expect(codeOf(wrong.json)).toBe('INVALID_CREDENTIALS');
      const median = (xs: number[]) =>
        [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
      // Timing is printed, not asserted: a bound would flake on a loaded machine.
      console.log(
        `[${backend.name}] sign-in median: unknown email ${median(times.unknown).toFixed(1)} ms, wrong password ${median(times.wrong).toFixed(1)} ms (each of 5: ${times.unknown.map((t) => t.toFixed(0)).join('/')} vs ${times.wrong.map((t) => t.toFixed(0)).join('/')})`,
      );
    });

    it('audits sign-ins, successful and failed, as org-less rows', async () => {
      const address = email();
      const { user } = await signUpVerified(address);
      const good = await api.signIn(address);
      const bad = await api.signIn(address, 'not the password');
      await server.platform.audit.flush();
      const rows = await server.platform.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'account.sign_in')
        .where('request_id', 'in', [
          good.res.headers.get('x-request-id') ?? '',
          bad.res.headers.get('x-request-id') ?? '',
        ])
        .orderBy('at')
        .execute();
      expect(rows.map((r) => [r.org_id, r.actor, r.outcome])).toEqual([
        [null, `user:${user.id}`, 'ok'],
        [null, 'anonymous', 'INVALID_CREDENTIALS'],
      ]);
    });

    it('resets a password by the mailed link: old refused, new works, old sessions end', async () => {
      const address = email();
      const { cookie } = await signUpVerified(address);
      const unknown = await api.post('/v1/auth/request-password-reset', {
        email: `nobody-${Date.now()}@example.com`,
      });
      const before = smtp.mails.length;
      const known = await api.post('/v1/auth/request-password-reset', { email: address });
      expect(unknown.status).toBe(200);
      expect(known.status).toBe(200);
      expect(known.json).toEqual({ ok: true });
      expect(unknown.json).toEqual(known.json);

      const mail = await smtp.next(address, /Reset your Latchkey password/, before);
      const link = new URL(/(http:\/\/\S+\/reset-password\?token=\S+)/.exec(mail.text)?.[1] ?? '');
      expect(link.origin).toBe(server.url);
      const token = link.searchParams.get('token');
      expect(token).toBeTruthy();
      const reset = await api.post('/v1/auth/reset-password', {
        token,
        newPassword: 'a brand new password',
      });
      expect(reset.status).toBe(200);
      expect(reset.json).toEqual({ ok: true });
      expect(codeOf((await api.signIn(address)).json)).toBe('INVALID_CREDENTIALS');
      expect((await api.signIn(address, 'a brand new password')).status).toBe(200);
      expect((await api.get('/v1/me', cookie)).status).toBe(401);
      const reused = await api.post('/v1/auth/reset-password', {
        token,
        newPassword: 'yet another password',
      });
      expect(reused.status).toBe(400);
      expect(codeOf(reused.json)).toBe('INVALID_LINK');
      const short = await api.post('/v1/auth/reset-password', { token, newPassword: 'short' });
      expect(codeOf(short.json)).toBe('INVALID_REQUEST');
    });

    it('changes a password (the current one must be right)', async () => {
      const address = email();
      const { cookie } = await signUpVerified(address);
      const wrong = await api.post(
        '/v1/auth/change-password',
        { currentPassword: 'not it at all', newPassword: 'changed password 1' },
        cookie,
      );
      expect(wrong.status).toBe(401);
      expect(codeOf(wrong.json)).toBe('INVALID_CREDENTIALS');
      const anonymous = await api.post('/v1/auth/change-password', {
        currentPassword: PASSWORD,
        newPassword: 'changed password 1',
      });
      expect(codeOf(anonymous.json)).toBe('NOT_SIGNED_IN');
      const other = await api.signIn(address);
      const changed = await api.post(
        '/v1/auth/change-password',
        { currentPassword: PASSWORD, newPassword: 'changed password 1', revokeOtherSessions: true },
        cookie,
      );
      expect(changed.status).toBe(200);
      expect(changed.json).toEqual({ ok: true });
      expect((await api.get('/v1/me', other.cookie)).status).toBe(401);
      expect((await api.signIn(address, 'changed password 1')).status).toBe(200);
      expect((await api.signIn(address)).status).toBe(401);
    });

    it('TOTP: enable, confirm, then sign-in asks for a code; backup codes work once', async () => {
      const address = email();
      const { cookie } = await signUpVerified(address);
      const refused = await api.post(
        '/v1/auth/two-factor/enable',
        { password: 'nope nope' },
        cookie,
      );
      expect(codeOf(refused.json)).toBe('INVALID_CREDENTIALS');
      const enabled = await api.post('/v1/auth/two-factor/enable', { password: PASSWORD }, cookie);
      expect(enabled.status).toBe(200);
      const { totpURI, backupCodes } = enabled.json as { totpURI: string; backupCodes: string[] };
      expect(totpURI).toMatch(/^otpauth:\/\/totp\/Latchkey:/);
      expect(backupCodes.length).toBeGreaterThan(5);

      const badConfirm = await api.post(
        '/v1/auth/two-factor/verify-totp',
        { code: '000000' },
        cookie,
      );
      expect(badConfirm.status).toBe(401);
      expect(codeOf(badConfirm.json)).toBe('INVALID_TWO_FACTOR_CODE');
      const code = await totpNow(totpURI);
      const confirmed = await api.post('/v1/auth/two-factor/verify-totp', { code }, cookie);
      expect(confirmed.status).toBe(200);
      expect(confirmed.json).toEqual({ user: expect.objectContaining({ twoFactorEnabled: true }) });
      const session = confirmed.cookie || cookie;
      expect((await api.post('/v1/auth/sign-out', {}, session)).status).toBe(200);

      const first = await api.signIn(address);
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ twoFactorRequired: true, methods: ['totp'] });
      expect((await api.get('/v1/me', first.cookie)).status).toBe(401);
      const wrong = await api.post(
        '/v1/auth/two-factor/verify-totp',
        { code: '000000' },
        first.cookie,
      );
      expect(wrong.status).toBe(401);
      expect(codeOf(wrong.json)).toBe('INVALID_TWO_FACTOR_CODE');
      const noCookie = await api.post('/v1/auth/two-factor/verify-totp', { code: '123456' });
      expect(codeOf(noCookie.json)).toBe('INVALID_TWO_FACTOR_CODE');
      const second = await api.post(
        '/v1/auth/two-factor/verify-totp',
        { code: await totpNow(totpURI) },
        first.cookie,
      );
      expect(second.status).toBe(200);
      expect(JSON.stringify(second.json)).not.toMatch(/token/i);
      expect(second.json).toMatchObject({ user: { email: address, twoFactorEnabled: true } });
      const me = await api.get('/v1/me', second.cookie);
      expect(me.status).toBe(200);

      const backup = backupCodes[0] as string;
      const third = await api.signIn(address);
      const byBackup = await api.post(
        '/v1/auth/two-factor/verify-backup-code',
        { code: backup },
        third.cookie,
      );
      expect(byBackup.status).toBe(200);
      expect((await api.get('/v1/me', byBackup.cookie)).status).toBe(200);
      const fourth = await api.signIn(address);
      const reused = await api.post(
        '/v1/auth/two-factor/verify-backup-code',
        { code: backup },
        fourth.cookie,
      );
      expect(reused.status).toBe(401);
      expect(codeOf(reused.json)).toBe('INVALID_TWO_FACTOR_CODE');

      const disabled = await api.post(
        '/v1/auth/two-factor/disable',
        { password: PASSWORD },
        second.cookie,
      );
      expect(disabled.status).toBe(200);
      expect(disabled.json).toEqual({ ok: true });
      expect((await api.signIn(address)).json).toMatchObject({ user: { twoFactorEnabled: false } });
    });

    it('one-time sign-in links sign in once, and redirect only to paths here', async () => {
      const address = email();
      await signUpVerified(address);
      const url = new URL(await signInLink(server.platform.auth, address));
      const path = url.pathname + url.search;
      const offsite = await api.get(
        `${url.pathname}?token=${url.searchParams.get('token')}&callbackURL=${encodeURIComponent('https://evil.example/')}`,
      );
      expect(offsite.status).toBe(400);
      expect(codeOf(offsite.json)).toBe('INVALID_REQUEST');
      const used = await api.get(path);
      expect(used.status).toBe(302);
      expect((await api.get('/v1/me', used.cookie)).json).toMatchObject({
        user: { email: address },
      });
      const again = await api.get(path);
      expect(again.status).toBe(302);
      expect(again.res.headers.get('location')).toContain('error=');
      expect(again.cookie).toBe('');
    });

    it('bootstrap: the development user owns org dev and has a sign-in link; sign-up is open', async () => {
      const user = server.bootstrap?.user;
      expect(user?.email).toBe('dev@localhost.test');
      const url = new URL(user?.signInLink ?? '');
      const signedIn = await api.get(url.pathname + url.search);
      expect(signedIn.status).toBe(302);
      const me = await api.get('/v1/me', signedIn.cookie);
      expect(me.json).toMatchObject({
        user: { email: 'dev@localhost.test', name: 'Developer', emailVerified: true },
        orgs: [{ slug: 'dev', role: 'owner' }],
      });
      expect(server.platform.signup).toBe('open');
      const created = await server.platform.db
        .selectFrom('audit_events')
        .select(['org_id', 'actor', 'target'])
        .where('action', '=', 'user.created')
        .where('actor', '=', 'system:bootstrap')
        .execute();
      expect(created).toEqual([{ org_id: null, actor: 'system:bootstrap', target: user?.id }]);
    });

    it('admin createUser: through the library, audited user.created, link sets the password', async () => {
      const admin = createAdminApi(server.platform);
      const address = email();
      const made = await admin.createUser({ email: address, actor: 'cli:tester' });
      if (!made.ok) throw new Error(made.message);
      const rows = await server.platform.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'user.created')
        .where('target', '=', made.value.user.id)
        .execute();
      expect(rows.map((r) => [r.org_id, r.actor, r.outcome])).toEqual([[null, 'cli:tester', 'ok']]);
      const token = new URL(made.value.passwordLink).searchParams.get('token');
      expect(smtp.mails.some((m) => m.to === address)).toBe(false);
      expect(
        (await api.post('/v1/auth/reset-password', { token, newPassword: 'chosen by them' }))
          .status,
      ).toBe(200);
      expect((await api.signIn(address, 'chosen by them')).status).toBe(200);
      const taken = await admin.createUser({ email: address.toUpperCase(), actor: 'cli:tester' });
      expect(taken.ok ? 'ok' : taken.code).toBe('EMAIL_TAKEN');
    });

    describe('limits and policies (no mail)', () => {
      let limited: RunningServer;
      let invite: RunningServer;

      beforeAll(async () => {
        limited = await s.start(
          { LATCHKEY_SIGNIN_PER_IP: '8', LATCHKEY_SIGNIN_FAILURES_PER_ACCOUNT: '3' },
          false,
        );
        invite = await s.start({ LATCHKEY_SIGNUP: 'invite' }, false);
      });

      it('without bootstrap (and LATCHKEY_SIGNUP unset) sign-up is closed', async () => {
        const r = await client(limited).post('/v1/auth/sign-up/email', {
          email: email(),
          password: PASSWORD,
        });
        expect(r.status).toBe(403);
        expect(codeOf(r.json)).toBe('SIGNUP_CLOSED');
        expect(limited.bootstrap).toBeUndefined();
      });

      it('a wrong current password spends the account budget too (change-password)', async () => {
        const c = client(limited);
        const address = email();
        const made = await createAdminApi(limited.platform).createUser({
          email: address,
          actor: 't',
        });
        if (!made.ok) throw new Error(made.message);
        const token = new URL(made.value.passwordLink).searchParams.get('token');
        await c.post('/v1/auth/reset-password', { token, newPassword: PASSWORD });
        const { cookie } = await c.signIn(address);
        const change = (currentPassword: string) =>
          c.post(
            '/v1/auth/change-password',
            { currentPassword, newPassword: 'new one here' },
            cookie,
          );
        for (let i = 0; i < 3; i++) expect((await change('wrong wrong')).status).toBe(401);
        const held = await change(PASSWORD);
        expect(held.status).toBe(429);
        expect(held.res.headers.get('retry-after')).toBeTruthy();
        expect(
          (await c.post('/v1/auth/two-factor/enable', { password: PASSWORD }, cookie)).status,
        ).toBe(429);
      });

      it('limits failed sign-ins per account, then sign-ins per address (429, Retry-After)', async () => {
        const c = client(limited);
        const address = email();
        const made = await createAdminApi(limited.platform).createUser({
          email: address,
          actor: 't',
        });
        if (!made.ok) throw new Error(made.message);
        const token = new URL(made.value.passwordLink).searchParams.get('token');
        expect(
          (await c.post('/v1/auth/reset-password', { token, newPassword: PASSWORD })).status,
        ).toBe(200); // 1 from the address's 8 (and 1 from the sign-up attempt above)
        for (let i = 0; i < 3; i++)
          expect((await c.signIn(address, 'wrong wrong')).status).toBe(401);
        const held = await c.signIn(address);
        expect(held.status).toBe(429);
        expect(codeOf(held.json)).toBe('RATE_LIMITED');
        expect(Number(held.res.headers.get('retry-after'))).toBeGreaterThan(0);
        const statuses: number[] = [];
        let last: Awaited<ReturnType<typeof c.signIn>> | undefined;
        for (let i = 0; i < 6 && last?.status !== 429; i++) {
          last = await c.signIn(`other-${i}@example.com`, 'whatever it is');
          statuses.push(last.status);
        }
        expect(statuses.at(-1)).toBe(429);
        expect(String((last?.json.error as { message?: string } | undefined)?.message)).toContain(
          'from this address',
        );
        expect(Number(last?.res.headers.get('retry-after'))).toBeGreaterThan(0);
        const reset = await c.post('/v1/auth/request-password-reset', { email: address });
        expect(reset.status).toBe(429);
      });

      it('with invite, sign-up needs a valid invitation', async () => {
        const c = client(invite);
        const address = email();
        const none = await c.post('/v1/auth/sign-up/email', { email: address, password: PASSWORD });
        expect(codeOf(none.json)).toBe('SIGNUP_CLOSED');
        const bogus = await c.post('/v1/auth/sign-up/email', {
          email: address,
          password: PASSWORD,
          invitation: 'not-a-real-invitation-token',
        });
        expect(bogus.status).toBeGreaterThanOrEqual(400);
        expect(bogus.status).toBeLessThan(500);
        const org = await createAdminApi(invite.platform).createOrg({ name: 'Inv', actor: 't' });
        if (!org.ok) throw new Error(org.message);
        const inv = await createInvitation(
          invite.platform,
          { userId: 'usr_owner', role: 'owner' } as never,
          { orgId: org.value.id, role: 'developer' },
        );
        if (!inv.ok) throw new Error(inv.message);
        const ok = await c.post('/v1/auth/sign-up/email', {
          email: address,
          password: PASSWORD,
          invitation: inv.value.token,
        });
        expect(ok.status).toBe(200);
        expect(ok.json).toMatchObject({ signedIn: true, user: { email: address } });
      });
    });
  });
});
