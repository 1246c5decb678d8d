// Members, invitations and org deletion through the real app, on PGlite and on
// PostgreSQL: the last owner, what admins may not do to owners, invitation links
// (single use under concurrency, expiry on a manual clock, bound email, revoked), the
// audit row of every change in the change's own transaction, and a deleted org's keys.
import { displayKey, generateKey, newId } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mail, Mailer } from '../src/accounts/mailer.js';
import { removeMember } from '../src/accounts/memberships.js';
import { type AdminApi, createAdminApi, manualClock, type RunningServer } from '../src/index.js';
import { answer, type Call, caller, outcome, type Person, signUp } from './account-helpers.js';
import {
  createTestDatabase,
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

const DAY = 24 * 3600 * 1000;

interface Created {
  invitation: { id: string; state: string; email: string | null };
  token: string;
  url: string;
}

describe.each(backends)('members and invitations on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    const clock = manualClock(Date.now());
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let server: RunningServer;
    let admin: AdminApi;
    let call: Call;

    beforeAll(async () => {
      dir = tempDir('lk-members-');
      const env = { LATCHKEY_SIGNUP: 'open', LATCHKEY_SIGNIN_PER_IP: '0' };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      const config = database
        ? postgresConfig(database.url, dir.dir, env)
        : embeddedConfig(dir.dir, env);
      server = await startServer(config, {
        clock,
        bootstrap: false,
        runtime: { now: () => clock.now() },
      });
      admin = createAdminApi(server.platform);
      call = caller(server.url);
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    let orgs = 0;
    /** A new org owned by a new person. */
    async function newOrg(): Promise<{ owner: Person; slug: string; id: string }> {
      const owner = await signUp(call, 'owner');
      const res = await call('POST', '/v1/orgs', {
        cookie: owner.cookie,
        body: { name: 'Team', slug: `team-${++orgs}` },
      });
      expect(res.status).toBe(201);
      const org = (await res.json()) as { id: string; slug: string };
      return { owner, slug: org.slug, id: org.id };
    }

    async function invite(
      slug: string,
      by: Person,
      body: { role: string; email?: string },
    ): Promise<Created> {
      const res = await call('POST', `/v1/orgs/${slug}/invitations`, { cookie: by.cookie, body });
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
      return (await res.json()) as Created;
    }

    /** A new person who joined `slug` as `role` through an invitation. */
    async function join(slug: string, by: Person, role: string): Promise<Person> {
      const person = await signUp(call, role);
      const { token } = await invite(slug, by, { role });
      const res = await call('POST', `/v1/invitations/${token}/accept`, { cookie: person.cookie });
      expect(res.status).toBe(200);
      return person;
    }

    const setRole = (slug: string, by: Person, target: Person, role: string) =>
      call('PATCH', `/v1/orgs/${slug}/members/${target.id}`, { cookie: by.cookie, body: { role } });
    const remove = (slug: string, by: Person, target: Person) =>
      call('DELETE', `/v1/orgs/${slug}/members/${target.id}`, { cookie: by.cookie });

    const auditRows = (orgId: string, action: string) =>
      server.platform.db
        .selectFrom('audit_events')
        .select(['actor', 'target', 'outcome', 'request_id'])
        .where('org_id', '=', orgId)
        .where('action', '=', action)
        .orderBy('seq')
        .execute();

    const roles = async (slug: string, by: Person) => {
      const { body } = await answer<{ data: { userId: string; role: string }[] }>(
        await call('GET', `/v1/orgs/${slug}/members`, { cookie: by.cookie }),
      );
      return Object.fromEntries(body.data.map((m) => [m.userId, m.role]));
    };

    describe('members', () => {
      it('the last owner can neither leave nor be demoted; with a second owner they can', async () => {
        const { owner, slug, id } = await newOrg();
        expect(await outcome(await remove(slug, owner, owner))).toEqual([409, 'LAST_OWNER']);
        expect(await outcome(await setRole(slug, owner, owner, 'admin'))).toEqual([
          409,
          'LAST_OWNER',
        ]);
        const second = await join(slug, owner, 'admin');
        const promoted = await setRole(slug, owner, second, 'owner');
        expect(await answer(promoted)).toMatchObject({
          status: 200,
          body: { userId: second.id, role: 'owner', email: second.email },
        });
        expect(await outcome(await setRole(slug, owner, owner, 'developer'))).toEqual([200, null]);
        expect(await outcome(await remove(slug, second, second))).toEqual([409, 'LAST_OWNER']);
        expect(await outcome(await remove(slug, owner, owner))).toEqual([200, null]);
        expect(await roles(slug, second)).toEqual({ [second.id]: 'owner' });
        // A member who left answers 404, as a stranger does.
        const gone = await call('GET', `/v1/orgs/${slug}`, { cookie: owner.cookie });
        expect(await outcome(gone)).toEqual([404, 'NOT_FOUND']);
        expect((await auditRows(id, 'member.role_changed')).map((r) => r.actor)).toEqual([
          `user:${owner.id}`,
          `user:${owner.id}`,
        ]);
        expect(await auditRows(id, 'member.left')).toMatchObject([
          { actor: `user:${owner.id}`, target: owner.id, outcome: 'ok' },
        ]);
      });

      it('of two owners leaving at once, one stays', async () => {
        // Through the service, many at once: HTTP alone seldom overlaps the two transactions.
        const pairs = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const { owner, slug, id } = await newOrg();
            return { owner, second: await join(slug, owner, 'owner'), slug, id };
          }),
        );
        const leave = (orgId: string, who: Person) =>
          removeMember(
            server.platform,
            { userId: who.id, role: 'owner' },
            { orgId, userId: who.id },
          );
        const results = await Promise.all(
          pairs.flatMap(({ owner, second, id }) => [leave(id, owner), leave(id, second)]),
        );
        for (const [i, { owner, slug }] of pairs.entries()) {
          const pair = results.slice(2 * i, 2 * i + 2);
          expect(pair.map((r) => (r.ok ? 'left' : r.code)).sort()).toEqual(['LAST_OWNER', 'left']);
          const stayed = pair[0]?.ok ? pairs[i]?.second : owner;
          expect(Object.values(await roles(slug, stayed as Person))).toEqual(['owner']);
        }
      });

      it('an admin cannot make, unmake, invite or remove owners; an owner can', async () => {
        const { owner, slug, id } = await newOrg();
        const adm = await join(slug, owner, 'admin');
        const viewer = await join(slug, owner, 'viewer');
        const refused = [
          await setRole(slug, adm, viewer, 'owner'),
          await setRole(slug, adm, owner, 'viewer'),
          await remove(slug, adm, owner),
          await call('POST', `/v1/orgs/${slug}/invitations`, {
            cookie: adm.cookie,
            body: { role: 'owner' },
          }),
        ];
        for (const res of refused) expect(await outcome(res)).toEqual([403, 'OWNER_ROLE_REQUIRED']);
        expect(await outcome(await setRole(slug, adm, viewer, 'admin'))).toEqual([200, null]);
        expect(await outcome(await setRole(slug, adm, viewer, 'developer'))).toEqual([200, null]);
        expect(await outcome(await setRole(slug, owner, viewer, 'owner'))).toEqual([200, null]);
        expect(await outcome(await remove(slug, owner, viewer))).toEqual([200, null]);
        expect(await roles(slug, owner)).toEqual({ [owner.id]: 'owner', [adm.id]: 'admin' });
        expect(await auditRows(id, 'member.removed')).toMatchObject([
          { actor: `user:${owner.id}`, target: viewer.id },
        ]);
      });

      it('a developer cannot remove others or change roles, but can leave', async () => {
        const { owner, slug, id } = await newOrg();
        const dev = await join(slug, owner, 'developer');
        const viewer = await join(slug, owner, 'viewer');
        expect(await outcome(await remove(slug, dev, viewer))).toEqual([
          403,
          'ADMIN_ROLE_REQUIRED',
        ]);
        expect(await outcome(await setRole(slug, dev, viewer, 'developer'))).toEqual([
          403,
          'ADMIN_ROLE_REQUIRED',
        ]);
        expect(await outcome(await remove(slug, viewer, viewer))).toEqual([200, null]);
        expect(await outcome(await remove(slug, owner, viewer))).toEqual([404, 'NOT_FOUND']);
        expect(await auditRows(id, 'member.left')).toMatchObject([
          { actor: `user:${viewer.id}`, target: viewer.id },
        ]);
        const listed = await answer<{ data: { userId: string }[] }>(
          await call('GET', `/v1/orgs/${slug}/members`, { cookie: dev.cookie }),
        );
        expect(listed.body.data.map((m) => m.userId)).toEqual([owner.id, dev.id]);
      });
    });

    describe('invitations', () => {
      it('are single use: of two concurrent accepts exactly one joins', async () => {
        const { owner, slug, id } = await newOrg();
        const { token, url, invitation } = await invite(slug, owner, { role: 'developer' });
        expect(url).toBe(`${server.platform.issuer}/invitations/${token}`);
        expect(invitation.state).toBe('pending');
        const [a, b] = [await signUp(call, 'a'), await signUp(call, 'b')];
        const results = await Promise.all(
          [a, b].map((p) => call('POST', `/v1/invitations/${token}/accept`, { cookie: p.cookie })),
        );
        const outcomes = await Promise.all(results.map(outcome));
        expect(outcomes.map(([s]) => s).sort()).toEqual([200, 410]);
        expect(outcomes.find(([s]) => s === 410)?.[1]).toBe('INVITATION_EXPIRED');
        expect(Object.keys(await roles(slug, owner))).toHaveLength(2);
        const offer = await answer(await call('GET', `/v1/invitations/${token}`));
        expect(offer.body.state).toBe('accepted');
        const accepted = await auditRows(id, 'invitation.accepted');
        expect(accepted).toHaveLength(1);
        expect([`user:${a.id}`, `user:${b.id}`]).toContain(accepted[0]?.actor);
        expect(await auditRows(id, 'invitation.created')).toMatchObject([
          { actor: `user:${owner.id}`, target: invitation.id },
        ]);
      });

      it('expire after 7 days (the clock, not a sleep)', async () => {
        const { owner, slug } = await newOrg();
        const { token } = await invite(slug, owner, { role: 'viewer' });
        const late = await signUp(call, 'late');
        clock.advance(7 * DAY - 1);
        expect((await answer(await call('GET', `/v1/invitations/${token}`))).body.state).toBe(
          'pending',
        );
        clock.advance(1);
        expect((await answer(await call('GET', `/v1/invitations/${token}`))).body.state).toBe(
          'expired',
        );
        const res = await call('POST', `/v1/invitations/${token}/accept`, { cookie: late.cookie });
        expect(await outcome(res)).toEqual([410, 'INVITATION_EXPIRED']);
      });

      it('bound to an email admit only that address (any case)', async () => {
        const { owner, slug } = await newOrg();
        const bob = await signUp(call, 'bob');
        const carol = await signUp(call, 'carol');
        const { token, invitation } = await invite(slug, owner, {
          role: 'admin',
          email: bob.email.toUpperCase(),
        });
        expect(invitation.email).toBe(bob.email);
        const wrong = await call('POST', `/v1/invitations/${token}/accept`, {
          cookie: carol.cookie,
        });
        expect(await outcome(wrong)).toEqual([403, 'INVITATION_EMAIL_MISMATCH']);
        const right = await call('POST', `/v1/invitations/${token}/accept`, { cookie: bob.cookie });
        expect(await answer(right)).toMatchObject({
          status: 200,
          body: { role: 'admin', org: { slug, role: 'admin' } },
        });
      });

      it('revoked stop working; the offer shows no secrets; unknown tokens are 404', async () => {
        const { owner, slug, id } = await newOrg();
        const { token, invitation } = await invite(slug, owner, {
          role: 'viewer',
          email: 'someone@example.com',
        });
        const offer = await answer(await call('GET', `/v1/invitations/${token}`));
        expect(offer).toEqual({
          status: 200,
          body: {
            org: { name: 'Team', slug },
            role: 'viewer',
            email: 'someone@example.com',
            expiresAt: expect.any(String),
            state: 'pending',
          },
        });
        const list = await answer<{ data: Record<string, unknown>[] }>(
          await call('GET', `/v1/orgs/${slug}/invitations`, { cookie: owner.cookie }),
        );
        expect(list.body.data.map((i) => i.id)).toEqual([invitation.id]);
        expect(JSON.stringify(list.body)).not.toContain(token);
        const path = `/v1/orgs/${slug}/invitations/${invitation.id}`;
        const revoked = await call('DELETE', path, { cookie: owner.cookie });
        expect(await answer(revoked)).toMatchObject({ status: 200, body: { state: 'revoked' } });
        expect(await outcome(await call('DELETE', path, { cookie: owner.cookie }))).toEqual([
          404,
          'NOT_FOUND',
        ]);
        const someone = await signUp(call, 'someone');
        const res = await call('POST', `/v1/invitations/${token}/accept`, {
          cookie: someone.cookie,
        });
        expect(await outcome(res)).toEqual([410, 'INVITATION_EXPIRED']);
        expect(await auditRows(id, 'invitation.revoked')).toMatchObject([
          { actor: `user:${owner.id}`, target: invitation.id },
        ]);
        const unknown = 'A'.repeat(43);
        expect(await outcome(await call('GET', `/v1/invitations/${unknown}`))).toEqual([
          404,
          'NOT_FOUND',
        ]);
        const accept = call('POST', `/v1/invitations/${unknown}/accept`, {
          cookie: someone.cookie,
        });
        expect(await outcome(await accept)).toEqual([404, 'NOT_FOUND']);
      });

      it('are mailed when the platform delivers mail and the invitation names an address', async () => {
        const { owner, slug } = await newOrg();
        const sent: Mail[] = [];
        const real = server.platform.mailer;
        const fake = (delivers: boolean): Mailer => ({
          delivers,
          send: async (mail) => void sent.push(mail),
          close() {},
        });
        try {
          server.platform.mailer = fake(true);
          const { url } = await invite(slug, owner, { role: 'viewer', email: 'm@example.com' });
          await invite(slug, owner, { role: 'viewer' });
          server.platform.mailer = fake(false);
          await invite(slug, owner, { role: 'viewer', email: 'n@example.com' });
          expect(sent.map((m) => m.to)).toEqual(['m@example.com']);
          expect(sent[0]?.text).toContain(url);
        } finally {
          server.platform.mailer = real;
        }
      });
    });

    describe('audit rows', () => {
      /** Makes the database refuse audit rows of `action` for the duration of `run`. */
      async function refusingAudit(action: string, run: () => Promise<void>) {
        const db = server.platform.db;
        await sql`alter table audit_events add constraint test_refuse check (action <> ${sql.lit(action)}) not valid`.execute(
          db,
        );
        try {
          await run();
        } finally {
          await sql`alter table audit_events drop constraint test_refuse`.execute(db);
        }
      }

      it('commit with their change: when the row cannot be written, nothing changes', async () => {
        const { owner, slug } = await newOrg();
        const viewer = await join(slug, owner, 'viewer');
        await refusingAudit('member.role_changed', async () => {
          expect((await setRole(slug, owner, viewer, 'admin')).status).toBe(500);
        });
        await refusingAudit('member.removed', async () => {
          expect((await remove(slug, owner, viewer)).status).toBe(500);
        });
        expect((await roles(slug, owner))[viewer.id]).toBe('viewer');
        await refusingAudit('invitation.created', async () => {
          const res = await call('POST', `/v1/orgs/${slug}/invitations`, {
            cookie: owner.cookie,
            body: { role: 'viewer' },
          });
          expect(res.status).toBe(500);
        });
        const { token, invitation } = await invite(slug, owner, { role: 'viewer' });
        await refusingAudit('invitation.revoked', async () => {
          const path = `/v1/orgs/${slug}/invitations/${invitation.id}`;
          expect((await call('DELETE', path, { cookie: owner.cookie })).status).toBe(500);
        });
        const joiner = await signUp(call, 'joiner');
        await refusingAudit('invitation.accepted', async () => {
          const res = await call('POST', `/v1/invitations/${token}/accept`, {
            cookie: joiner.cookie,
          });
          expect(res.status).toBe(500);
        });
        await refusingAudit('org.deleted', async () => {
          expect((await call('DELETE', `/v1/orgs/${slug}`, { cookie: owner.cookie })).status).toBe(
            500,
          );
        });
        const list = await answer<{ data: { id: string; state: string }[] }>(
          await call('GET', `/v1/orgs/${slug}/invitations`, { cookie: owner.cookie }),
        );
        const pending = list.body.data.filter((i) => i.state === 'pending').map((i) => i.id);
        expect(pending).toEqual([invitation.id]);
        expect(Object.keys(await roles(slug, owner)).sort()).toEqual([owner.id, viewer.id].sort());
      });
    });

    describe('deleting an org', () => {
      it('needs an owner; revokes its keys (minting stops), ends its sessions, answers 404', async () => {
        const { owner, slug, id } = await newOrg();
        const adm = await join(slug, owner, 'admin');
        const key = await admin.createKey({ org: id, kind: 'app', actor: 'test' });
        if (!key.ok) throw new Error(key.message);
        const bearer = { authorization: `Bearer ${key.value.secret}` };
        const mint = () => call('POST', '/v1/tokens', { headers: bearer, body: {} });
        expect((await mint()).status).toBe(201);
        // The invitation tests move the manual clock on by days, so the embedded runtime
        // looks silent until its next heartbeat lands: wait for it to serve echo again.
        const session = await pollUntil(
          'the embedded runtime to serve echo',
          async () => {
            const res = await call('POST', '/v1/sessions', {
              headers: bearer,
              body: { model: 'echo' },
            });
            if (res.status === 201) return res;
            await res.body?.cancel();
            return undefined;
          },
          30_000,
          50,
        );
        expect(session.status).toBe(201);
        const { sessionId } = (await session.json()) as { sessionId: string };
        const { token } = await invite(slug, owner, { role: 'viewer' });

        const refused = await call('DELETE', `/v1/orgs/${slug}`, { cookie: adm.cookie });
        expect(await outcome(refused)).toEqual([403, 'OWNER_ROLE_REQUIRED']);
        const deleted = await call('DELETE', `/v1/orgs/${slug}`, { cookie: owner.cookie });
        expect(await answer(deleted)).toEqual({
          status: 200,
          body: { ok: true, keysRevoked: 1, credentialsRevoked: 0, sessionsEnded: 1 },
        });

        // Every process hears of the revocation through the bus (NOTIFY on PostgreSQL).
        const code = await pollUntil(
          'the key to be refused',
          async () => {
            const res = await mint();
            return res.status === 401 ? (await res.json()).error.code : undefined;
          },
          5_000,
        );
        expect(code).toBe('API_KEY_REVOKED');
        for (const who of [owner, adm])
          for (const ref of [slug, id])
            expect(
              await outcome(await call('GET', `/v1/orgs/${ref}`, { cookie: who.cookie })),
            ).toEqual([404, 'NOT_FOUND']);
        const mine = await answer<{ data: { id: string }[] }>(
          await call('GET', '/v1/orgs', { cookie: owner.cookie }),
        );
        expect(mine.body.data.map((o) => o.id)).not.toContain(id);
        expect(await outcome(await call('GET', `/v1/invitations/${token}`))).toEqual([
          404,
          'NOT_FOUND',
        ]);
        expect(
          await outcome(await call('DELETE', `/v1/orgs/${id}`, { cookie: owner.cookie })),
        ).toEqual([404, 'NOT_FOUND']);
        const row = await server.platform.db
          .selectFrom('sessions')
          .select(['state', 'close_reason'])
          .where('id', '=', sessionId)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ state: 'closed', close_reason: 'key_revoked' });
        expect(await auditRows(id, 'org.deleted')).toMatchObject([
          { actor: `user:${owner.id}`, target: id, outcome: 'ok' },
        ]);
        expect(await auditRows(id, 'key.revoked')).toMatchObject([
          { actor: `user:${owner.id}`, target: key.value.key.id },
        ]);
        // A key that escaped the deletion (made while its transaction ran) is refused too.
        const late = generateKey('app');
        await server.platform.db
          .insertInto('api_keys')
          .values({
            id: newId('key'),
            org_id: id,
            kind: 'app',
            name: 'late',
            hash: hashKey(late),
            display: displayKey(late),
            created_at: new Date(),
            created_by: 'test',
            last_used_at: null,
            expires_at: null,
            revoked_at: null,
            revoked_reason: null,
            rotated_to: null,
            updated_at: new Date(),
          })
          .execute();
        const lateMint = await call('POST', '/v1/tokens', {
          headers: { authorization: `Bearer ${late}` },
          body: {},
        });
        expect(await outcome(lateMint)).toEqual([401, 'API_KEY_REVOKED']);
        const left = await server.platform.db
          .selectFrom('memberships')
          .select('user_id')
          .where('org_id', '=', id)
          .execute();
        expect(left).toEqual([]);
      });
    });
  });
});
