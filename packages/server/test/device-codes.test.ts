// Device sign-in (the CLI's browser login, RFC 8628's shape) through the real server, on
// PGlite and on PostgreSQL: a code pair, pending → slow_down → approve → the key once →
// spent; deny; expiry on a manual clock; who may approve and for which org; the key in
// the org's list, named for the host, created by the person, working; the audit rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type RunningServer } from '../src/index.js';
import { answer, type Call, caller, outcome, type Person, signUp } from './account-helpers.js';
import {
  createTestDatabase,
  embeddedConfig,
  PG_URL,
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

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
  interval: number;
}

describe.each(backends)('device sign-in on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    const clock = manualClock(Date.now());
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let server: RunningServer;
    let call: Call;
    let owner: Person;
    let partnerOrg: { id: string; slug: string };

    beforeAll(async () => {
      dir = tempDir('lk-device-');
      const env = { LATCHKEY_SIGNUP: 'open', LATCHKEY_SIGNIN_PER_IP: '20' };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      server = await startServer(
        database ? postgresConfig(database.url, dir.dir, env) : embeddedConfig(dir.dir, env),
        { clock, bootstrap: false, runtime: false },
      );
      call = caller(server.url);
      owner = await signUp(call, 'partner');
      partnerOrg = await newOrg(owner, true);
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    let orgs = 0;
    /** An org `by` owns. */
    async function newOrg(by: Person, partner: boolean) {
      const res = await call('POST', '/v1/orgs', {
        cookie: by.cookie,
        body: { name: 'Partner', slug: `device-${++orgs}` },
      });
      expect(res.status).toBe(201);
      const org = (await res.json()) as { id: string; slug: string };
      // As an instance admin marks one (PATCH /v1/orgs/{org} {partner}).
      if (partner)
        await server.platform.db
          .updateTable('orgs')
          .set({ partner: true })
          .where('id', '=', org.id)
          .execute();
      return org;
    }

    /** Someone who holds `role` in `org` (added as the org's owner would). */
    async function member(org: { id: string }, role: 'viewer' | 'developer') {
      const person = await signUp(call, role);
      const at = new Date(clock.now());
      await server.platform.db
        .insertInto('memberships')
        .values({ org_id: org.id, user_id: person.id, role, created_at: at, updated_at: at })
        .execute();
      return person;
    }

    async function start(clientName = 'build-box.local'): Promise<DeviceCode> {
      const res = await call('POST', '/v1/device/code', { body: { clientName } });
      expect(res.status).toBe(200);
      return (await res.json()) as DeviceCode;
    }
    const poll = (deviceCode: string) => call('POST', '/v1/device/token', { body: { deviceCode } });
    const approve = (code: string, by: Person, org: string) =>
      call('POST', `/v1/device/${code}/approve`, { cookie: by.cookie, body: { org } });
    const deny = (code: string, by: Person) =>
      call('POST', `/v1/device/${code}/deny`, { cookie: by.cookie });

    it('gives a code pair: a long secret, an 8-letter code, the page, 10 minutes, 5 s', async () => {
      const code = await start();
      expect(code.deviceCode).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(code.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      expect(code.verificationUri).toBe(`${server.platform.issuer}/device`);
      expect(code.verificationUriComplete).toBe(
        `${server.platform.issuer}/device?code=${code.userCode}`,
      );
      expect([code.expiresIn, code.interval]).toEqual([600, 5]);
      const row = await server.platform.db
        .selectFrom('device_codes')
        .selectAll()
        .where('user_code', '=', code.userCode.replace('-', ''))
        .executeTakeFirstOrThrow();
      expect(row.device_code_hash).not.toContain(code.deviceCode);
      expect(JSON.stringify(row)).not.toContain(code.deviceCode);
    });

    it('refuses a client name that is not a host name (no control or bidi characters)', async () => {
      for (const clientName of ['a\u202eb', 'x'.repeat(101), 'two words', '-lead', 'a\u0000']) {
        const res = await call('POST', '/v1/device/code', { body: { clientName } });
        expect(await outcome(res), JSON.stringify(clientName)).toEqual([400, 'INVALID_REQUEST']);
      }
    });

    it('pending → slow_down → approve → the key once → spent, with the audit rows', async () => {
      const code = await start('ci-runner-7');
      expect(await outcome(await poll(code.deviceCode))).toEqual([
        400,
        'DEVICE_AUTHORIZATION_PENDING',
      ]);
      // Again within the interval: slow down, and the interval grows by 5 s.
      const fast = await poll(code.deviceCode);
      expect(fast.headers.get('retry-after')).toBe('10');
      expect(await outcome(fast)).toEqual([429, 'DEVICE_SLOW_DOWN']);
      clock.advance(10_000);
      expect(await outcome(await poll(code.deviceCode))).toEqual([
        400,
        'DEVICE_AUTHORIZATION_PENDING',
      ]);

      // The page shows what asks, without secrets; the code in any case, with or without the dash.
      const shown = await call(
        'GET',
        `/v1/device/${code.userCode.replace('-', '').toLowerCase()}`,
        {
          cookie: owner.cookie,
        },
      );
      const { body: request } = await answer<Record<string, unknown>>(shown);
      expect(shown.status).toBe(200);
      expect(request).toMatchObject({
        userCode: code.userCode,
        clientName: 'ci-runner-7',
        state: 'pending',
      });
      expect(Object.keys(request).sort()).toEqual(
        ['clientIp', 'clientName', 'createdAt', 'expiresAt', 'state', 'userCode'].sort(),
      );

      const approved = await approve(code.userCode, owner, partnerOrg.slug);
      const { body } = await answer<{ request: { state: string }; key: { id: string } }>(approved);
      expect(approved.status).toBe(200);
      expect(body.request.state).toBe('approved');
      expect(JSON.stringify(body)).not.toMatch(/rp_[0-9A-Za-z]{20}/);
      expect(await outcome(await approve(code.userCode, owner, partnerOrg.slug))).toEqual([
        409,
        'CONFLICT',
      ]);

      // The secret waits sealed, never in the clear.
      const waiting = await server.platform.db
        .selectFrom('device_codes')
        .selectAll()
        .where('key_id', '=', body.key.id)
        .executeTakeFirstOrThrow();
      expect(waiting.key_secret_sealed).toMatch(/^v1\./);

      clock.advance(15_000);
      const token = await poll(code.deviceCode);
      expect(token.status).toBe(200);
      const got = (await token.json()) as {
        apiKey: string;
        keyId: string;
        org: { id: string; slug: string; name: string };
        server: string;
      };
      expect(got.apiKey).toMatch(/^rp_/);
      expect(got).toMatchObject({
        keyId: body.key.id,
        org: { id: partnerOrg.id, slug: partnerOrg.slug, name: 'Partner' },
        server: server.platform.issuer,
      });
      expect(token.headers.get('cache-control')).toBe('no-store');

      // Single use: the row forgot the secret, and the next poll is told the code is spent.
      clock.advance(15_000);
      expect(await outcome(await poll(code.deviceCode))).toEqual([410, 'DEVICE_CODE_EXPIRED']);
      const spent = await server.platform.db
        .selectFrom('device_codes')
        .selectAll()
        .where('key_id', '=', body.key.id)
        .executeTakeFirstOrThrow();
      expect(spent.key_secret_sealed).toBeNull();
      expect(spent.consumed_at).not.toBeNull();

      // The key: in the org's list, named for the host, made by the person, and it works.
      const keys = await call('GET', `/v1/orgs/${partnerOrg.slug}/keys`, { cookie: owner.cookie });
      const list = ((await keys.json()) as { data: Array<Record<string, unknown>> }).data;
      expect(list.find((k) => k.id === got.keyId)).toMatchObject({
        kind: 'partner',
        name: 'cli on ci-runner-7',
        createdBy: `user:${owner.id}`,
        state: 'active',
      });
      const who = await call('GET', '/v1/whoami', {
        headers: { authorization: `Bearer ${got.apiKey}` },
      });
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({
        org: { id: partnerOrg.id },
        key: { id: got.keyId, kind: 'partner' },
      });

      // key.created and device.approved, by the person, in the same request.
      const rows = await server.platform.db
        .selectFrom('audit_events')
        .select(['action', 'actor', 'target', 'request_id', 'data'])
        .where('org_id', '=', partnerOrg.id)
        .where('action', 'in', ['key.created', 'device.approved'])
        .orderBy('seq')
        .execute();
      const mine = rows.filter(
        (r) => r.target === got.keyId || JSON.stringify(r.data).includes(got.keyId),
      );
      expect(mine.map((r) => [r.action, r.actor])).toEqual([
        ['key.created', `user:${owner.id}`],
        ['device.approved', `user:${owner.id}`],
      ]);
      expect(mine[0]?.request_id).toBe(approved.headers.get('x-request-id'));
      expect(mine[1]?.request_id).toBe(approved.headers.get('x-request-id'));
    });

    it('deny: the CLI is told DEVICE_ACCESS_DENIED; the code cannot be approved after', async () => {
      const code = await start();
      const denied = await deny(code.userCode, owner);
      expect(denied.status).toBe(200);
      expect(((await denied.json()) as { state: string }).state).toBe('denied');
      expect(await outcome(await poll(code.deviceCode))).toEqual([403, 'DEVICE_ACCESS_DENIED']);
      expect(await outcome(await approve(code.userCode, owner, partnerOrg.slug))).toEqual([
        409,
        'CONFLICT',
      ]);
      const row = await server.platform.db
        .selectFrom('audit_events')
        .select(['actor', 'outcome'])
        .where('action', '=', 'device.denied')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ actor: `user:${owner.id}`, outcome: 'ok' });
    });

    it('expires after 10 minutes: 404 on the page, 410 to the CLI, even once approved', async () => {
      const code = await start();
      clock.advance(599_000);
      expect(
        (await call('GET', `/v1/device/${code.userCode}`, { cookie: owner.cookie })).status,
      ).toBe(200);
      clock.advance(1_000);
      expect(
        await outcome(await call('GET', `/v1/device/${code.userCode}`, { cookie: owner.cookie })),
      ).toEqual([404, 'NOT_FOUND']);
      expect(await outcome(await approve(code.userCode, owner, partnerOrg.slug))).toEqual([
        404,
        'NOT_FOUND',
      ]);
      expect(await outcome(await deny(code.userCode, owner))).toEqual([404, 'NOT_FOUND']);
      expect(await outcome(await poll(code.deviceCode))).toEqual([410, 'DEVICE_CODE_EXPIRED']);

      // Approved but never picked up: once expired the CLI gets nothing and the sealed secret goes.
      const late = await start();
      expect((await approve(late.userCode, owner, partnerOrg.slug)).status).toBe(200);
      clock.advance(600_000);
      expect(await outcome(await poll(late.deviceCode))).toEqual([410, 'DEVICE_CODE_EXPIRED']);
      const row = await server.platform.db
        .selectFrom('device_codes')
        .select('key_secret_sealed')
        .where('user_code', '=', late.userCode.replace('-', ''))
        .executeTakeFirstOrThrow();
      expect(row.key_secret_sealed).toBeNull();
    });

    it('approving needs developer in a partner org the person belongs to', async () => {
      const viewer = await member(partnerOrg, 'viewer');
      const developer = await member(partnerOrg, 'developer');
      const code = await start();
      expect(await outcome(await approve(code.userCode, viewer, partnerOrg.slug))).toEqual([
        403,
        'DEVELOPER_ROLE_REQUIRED',
      ]);
      const stranger = await signUp(call, 'stranger');
      expect(await outcome(await approve(code.userCode, stranger, partnerOrg.slug))).toEqual([
        404,
        'NOT_FOUND',
      ]);
      const plain = await newOrg(owner, false);
      expect(await outcome(await approve(code.userCode, owner, plain.slug))).toEqual([
        403,
        'WRONG_KEY_KIND',
      ]);
      // None of those touched the code: a developer still may.
      const ok = await approve(code.userCode, developer, partnerOrg.id);
      expect(ok.status).toBe(200);
      // A viewer may look, and decline nothing that is decided.
      expect(
        (await call('GET', `/v1/device/${code.userCode}`, { cookie: viewer.cookie })).status,
      ).toBe(200);
    });

    it('needs a signed-in person for the page and the decisions; an unknown code is 404', async () => {
      const code = await start();
      expect(await outcome(await call('GET', `/v1/device/${code.userCode}`))).toEqual([
        401,
        'NOT_SIGNED_IN',
      ]);
      expect(
        await outcome(
          await call('POST', `/v1/device/${code.userCode}/approve`, {
            body: { org: partnerOrg.slug },
          }),
        ),
      ).toEqual([401, 'NOT_SIGNED_IN']);
      for (const bad of ['BCDF-GHJK', 'AAAA-AAAA', 'short', 'x'.repeat(300)])
        expect(
          await outcome(await call('GET', `/v1/device/${bad}`, { cookie: owner.cookie })),
        ).toEqual([404, 'NOT_FOUND']);
      expect(await outcome(await poll('not-a-device-code'))).toEqual([410, 'DEVICE_CODE_EXPIRED']);
    });

    it('holds off a person guessing codes: 20 unknown ones, then 429 even for a real one', async () => {
      const guesser = await signUp(call, 'guesser');
      const real = await start();
      for (let i = 0; i < 20; i++)
        expect(
          await outcome(await call('GET', '/v1/device/BCDF-BCDF', { cookie: guesser.cookie })),
        ).toEqual([404, 'NOT_FOUND']);
      const held = await call('GET', `/v1/device/${real.userCode}`, { cookie: guesser.cookie });
      expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await outcome(held)).toEqual([429, 'RATE_LIMITED']);
      expect(await outcome(await deny(real.userCode, guesser))).toEqual([429, 'RATE_LIMITED']);
      // Others are not held off, and the code itself is untouched.
      expect(
        (await call('GET', `/v1/device/${real.userCode}`, { cookie: owner.cookie })).status,
      ).toBe(200);
      clock.advance(60_000);
      expect(
        (await call('GET', `/v1/device/${real.userCode}`, { cookie: guesser.cookie })).status,
      ).toBe(200);
    });

    it('limits code requests per client address (429 RATE_LIMITED with Retry-After)', async () => {
      let last: Response | undefined;
      for (let i = 0; i < 25; i++) {
        last = await call('POST', '/v1/device/code', { body: {} });
        if (last.status === 429) break;
      }
      expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await outcome(last as Response)).toEqual([429, 'RATE_LIMITED']);
      clock.advance(60_000);
    });
  });
});
