// The management API's keys, sessions and registry credentials, through the real HTTP
// server with its embedded runtime, signed in with account cookies: happy paths, other
// orgs' ids (404), the CLI's admin API and this API auditing alike, the kill switches.
// The same suite on PGlite and on real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi, createLogger, type RunningServer } from '../src/index.js';
import {
  createTestDatabase,
  embeddedConfig,
  PG_URL,
  postgresAvailable,
  postgresConfig,
  readError,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';
import { createTestPeer, isClosing, isReady } from './webrtc-client.js';

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

interface ApiKey {
  id: string;
  orgId: string;
  kind: string;
  name: string;
  display: string;
  state: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedTo: string | null;
}
interface AuditEvent {
  action: string;
  actor: string;
  target: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}

describe.each(backends)('management keys, sessions, registry on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let server: RunningServer;
    let admin: AdminApi;
    let owner: { cookie: string; id: string };
    let other: { cookie: string; id: string };
    let viewer: { cookie: string; id: string };
    let org: string; // slug of the owner's org (a partner org)
    let orgId: string;
    let otherOrg: string;

    const call = async (
      method: string,
      path: string,
      opts: { cookie?: string; body?: unknown; bearer?: string } = {},
    ) =>
      fetch(server.url + path, {
        method,
        headers: {
          'user-agent': 'management-test/1',
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    const json = async <T>(res: Response, status: number): Promise<T> => {
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(status);
      return JSON.parse(text) as T;
    };
    const signUp = async (email: string) => {
      const res = await call('POST', '/v1/auth/sign-up/email', {
        body: { email, password: 'correct horse battery' },
      });
      const body = await json<{ user: { id: string } }>(res, 200);
      return {
        cookie: (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '',
        id: body.user.id,
      };
    };
    const createKey = async (body: Record<string, unknown> = { name: 'backend' }) =>
      json<{ key: ApiKey; secret: string }>(
        await call('POST', `/v1/orgs/${org}/keys`, { cookie: owner.cookie, body }),
        201,
      );
    const mint = (secret: string) => call('POST', '/v1/tokens', { bearer: secret, body: {} });
    const audit = async (query: string) =>
      (
        await json<{ data: AuditEvent[] }>(
          await call('GET', `/v1/orgs/${org}/audit?${query}`, { cookie: owner.cookie }),
          200,
        )
      ).data;

    beforeAll(async () => {
      dir = tempDir('lk-mgmt-keys-');
      const env = {
        LATCHKEY_SIGNUP: 'open',
        LATCHKEY_MINT_RATE_PER_KEY: '0',
        LATCHKEY_AUTH_FAILURES_PER_IP: '0',
        LATCHKEY_REGISTRY: '127.0.0.1:5999',
      };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      const config = database
        ? postgresConfig(database.url, dir.dir, env)
        : embeddedConfig(dir.dir, env);
      server = await startServer(config, { bootstrap: false, log: createLogger('warn', () => {}) });
      admin = createAdminApi(server.platform);
      const stamp = Date.now();
      owner = await signUp(`owner-${stamp}@example.com`);
      other = await signUp(`other-${stamp}@example.com`);
      viewer = await signUp(`viewer-${stamp}@example.com`);
      const created = await json<{ id: string; slug: string }>(
        await call('POST', '/v1/orgs', { cookie: owner.cookie, body: { name: 'Keys org' } }),
        201,
      );
      org = created.slug;
      orgId = created.id;
      // Partner orgs are marked by an instance admin; here, straight in the database.
      await server.platform.db
        .updateTable('orgs')
        .set({ partner: true })
        .where('id', '=', orgId)
        .execute();
      await server.platform.db
        .insertInto('memberships')
        .values({
          org_id: orgId,
          user_id: viewer.id,
          role: 'viewer',
          created_at: new Date(),
          updated_at: new Date(),
        })
        .execute();
      otherOrg = (
        await json<{ slug: string }>(
          await call('POST', '/v1/orgs', { cookie: other.cookie, body: { name: 'Other org' } }),
          201,
        )
      ).slug;
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    it('creates a key (secret once), lists and gets it without secret or hash, renames it', async () => {
      const { key, secret } = await createKey({ name: 'backend', expiresIn: 3600 });
      expect(secret).toMatch(/^rk_/);
      expect(key).toMatchObject({
        orgId,
        kind: 'app',
        name: 'backend',
        state: 'active',
        createdBy: `user:${owner.id}`,
      });
      expect(key.display).toBe(`rk_…${secret.slice(-4)}`);
      expect(new Date(key.expiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 3500_000);

      const list = await json<{ data: ApiKey[] }>(
        await call('GET', `/v1/orgs/${org}/keys`, { cookie: viewer.cookie }),
        200,
      );
      expect(list.data.map((k) => k.id)).toContain(key.id);
      const got = await call('GET', `/v1/orgs/${org}/keys/${key.id}`, { cookie: viewer.cookie });
      const text = await got.clone().text();
      expect(got.status).toBe(200);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(3, 20));
      expect(text).not.toMatch(/"hash"/);
      expect(JSON.stringify(list)).not.toContain(secret);

      const renamed = await json<ApiKey>(
        await call('PATCH', `/v1/orgs/${org}/keys/${key.id}`, {
          cookie: owner.cookie,
          body: { name: 'renamed' },
        }),
        200,
      );
      expect(renamed.name).toBe('renamed');
      const [row] = await audit(`action=key.renamed&key=${key.id}`);
      expect(row).toMatchObject({
        actor: `user:${owner.id}`,
        target: key.id,
        data: { from: 'backend', to: 'renamed' },
      });
    });

    it('filters the list by state and names a bad query parameter', async () => {
      const { key } = await createKey({ name: 'to revoke' });
      await json(
        await call('POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, { cookie: owner.cookie }),
        200,
      );
      const revoked = await json<{ data: ApiKey[] }>(
        await call('GET', `/v1/orgs/${org}/keys?state=revoked`, { cookie: owner.cookie }),
        200,
      );
      expect(revoked.data.map((k) => k.id)).toContain(key.id);
      expect(revoked.data.every((k) => k.state === 'revoked')).toBe(true);
      const bad = await call('GET', `/v1/orgs/${org}/keys?state=bogus`, { cookie: owner.cookie });
      expect(bad.status).toBe(400);
      const { error } = await readError(bad);
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(/^state: /);
    });

    it('audits a key made here (user:<id>, with the request) and one made by the CLI (cli:<user>) alike', async () => {
      const res = await call('POST', `/v1/orgs/${org}/keys`, {
        cookie: owner.cookie,
        body: { name: 'via api' },
      });
      const viaApi = await json<{ key: ApiKey }>(res, 201);
      const viaCli = await admin.createKey({ org: orgId, name: 'via cli', actor: 'cli:alice' });
      if (!viaCli.ok) throw new Error(viaCli.message);
      const [apiRow] = await audit(`action=key.created&key=${viaApi.key.id}`);
      const [cliRow] = await audit(`action=key.created&key=${viaCli.value.key.id}`);
      expect(apiRow).toMatchObject({
        actor: `user:${owner.id}`,
        target: viaApi.key.id,
        userAgent: 'management-test/1',
        requestId: res.headers.get('x-request-id'),
        data: { kind: 'app', name: 'via api', display: viaApi.key.display },
      });
      expect(apiRow?.ip).toBeTruthy();
      expect(cliRow).toMatchObject({
        actor: 'cli:alice',
        target: viaCli.value.key.id,
        data: { kind: 'app', name: 'via cli', display: viaCli.value.key.display },
      });
      // The CLI's list and this API's list are the same keys.
      const cliList = await admin.listKeys({ org: orgId });
      const apiList = await json<{ data: ApiKey[] }>(
        await call('GET', `/v1/orgs/${org}/keys`, { cookie: owner.cookie }),
        200,
      );
      expect(cliList.ok && cliList.value.map((k) => k.id)).toEqual(apiList.data.map((k) => k.id));
    });

    it('answers 404 for another org’s key, session and credential, and for an org you are not in', async () => {
      const { key } = await createKey({ name: 'mine' });
      const paths: Array<[string, string, unknown?]> = [
        ['GET', `/v1/orgs/${otherOrg}/keys/${key.id}`],
        ['PATCH', `/v1/orgs/${otherOrg}/keys/${key.id}`, { name: 'stolen' }],
        ['POST', `/v1/orgs/${otherOrg}/keys/${key.id}/rotate`, {}],
        ['POST', `/v1/orgs/${otherOrg}/keys/${key.id}/revoke`, {}],
        ['DELETE', `/v1/orgs/${otherOrg}/sessions/ses_0000000000000000000000`],
        ['POST', `/v1/orgs/${otherOrg}/registry/credentials/tok_0000000000000000000000/revoke`],
        ['GET', `/v1/orgs/${org}/keys`],
        ['GET', `/v1/orgs/${org}/keys/${key.id}`],
        ['POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {}],
      ];
      for (const [method, path, body] of paths) {
        const res = await call(method, path, { cookie: other.cookie, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await readError(res)).error.code).toBe('NOT_FOUND');
      }
      // Untouched.
      const still = await json<ApiKey>(
        await call('GET', `/v1/orgs/${org}/keys/${key.id}`, { cookie: owner.cookie }),
        200,
      );
      expect(still).toMatchObject({ name: 'mine', state: 'active' });
    });

    it('needs the developer role to change keys; a viewer reads', async () => {
      const { key } = await createKey({ name: 'viewed' });
      const refused: Array<[string, string, unknown?]> = [
        ['POST', `/v1/orgs/${org}/keys`, { name: 'nope' }],
        ['PATCH', `/v1/orgs/${org}/keys/${key.id}`, { name: 'nope' }],
        ['POST', `/v1/orgs/${org}/keys/${key.id}/rotate`, {}],
        ['POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {}],
        ['DELETE', `/v1/orgs/${org}/sessions/ses_0000000000000000000000`],
      ];
      for (const [method, path, body] of refused) {
        const res = await call(method, path, { cookie: viewer.cookie, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect((await readError(res)).error.code).toBe('DEVELOPER_ROLE_REQUIRED');
      }
      for (const path of [`/v1/orgs/${org}/sessions`, `/v1/orgs/${org}/audit`]) {
        expect((await call('GET', path, { cookie: viewer.cookie })).status, path).toBe(200);
      }
      // A key never authorizes a management route.
      const { secret } = await createKey({ name: 'backend key' });
      const res = await call('GET', `/v1/orgs/${org}/keys`, { bearer: secret });
      expect(res.status).toBe(401);
      expect((await readError(res)).error.code).toBe('NOT_SIGNED_IN');
    });

    it('revokes: the key can no longer mint (401 API_KEY_REVOKED); revoking twice is 409', async () => {
      const { key, secret } = await createKey({ name: 'leaked' });
      expect((await mint(secret)).status).toBe(201);
      const revoked = await json<ApiKey>(
        await call('POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {
          cookie: owner.cookie,
          body: { reason: 'leaked in a log' },
        }),
        200,
      );
      expect(revoked).toMatchObject({ state: 'revoked', revokedReason: 'leaked in a log' });
      const refused = await mint(secret);
      expect(refused.status).toBe(401);
      expect((await readError(refused)).error.code).toBe('API_KEY_REVOKED');
      const again = await call('POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {
        cookie: owner.cookie,
      });
      expect(again.status).toBe(409);
      expect((await readError(again)).error.code).toBe('CONFLICT');
      const [row] = await audit(`action=key.revoked&key=${key.id}`);
      expect(row).toMatchObject({ actor: `user:${owner.id}`, data: { reason: 'leaked in a log' } });
    });

    it('rotates with grace: old and new both mint until the grace ends; without grace the old ends now', async () => {
      const { key, secret } = await createKey({ name: 'rotating' });
      const rotated = await json<{ key: ApiKey; secret: string; old: ApiKey }>(
        await call('POST', `/v1/orgs/${org}/keys/${key.id}/rotate`, {
          cookie: owner.cookie,
          body: { grace: 600 },
        }),
        201,
      );
      expect(rotated.key).toMatchObject({ name: 'rotating', state: 'active' });
      expect(rotated.old).toMatchObject({ id: key.id, rotatedTo: rotated.key.id, state: 'active' });
      const graceEnd = new Date(rotated.old.expiresAt ?? 0).getTime();
      expect(graceEnd).toBeGreaterThan(Date.now() + 590_000);
      expect(graceEnd).toBeLessThanOrEqual(Date.now() + 600_000);
      expect((await mint(secret)).status).toBe(201);
      expect((await mint(rotated.secret)).status).toBe(201);
      const [row] = await audit(`action=key.rotated&key=${key.id}`);
      expect(row).toMatchObject({
        actor: `user:${owner.id}`,
        data: { newKeyId: rotated.key.id, graceSeconds: 600 },
      });

      const now = await json<{ key: ApiKey; secret: string; old: ApiKey }>(
        await call('POST', `/v1/orgs/${org}/keys/${rotated.key.id}/rotate`, {
          cookie: owner.cookie,
        }),
        201,
      );
      expect(now.old.state).toBe('revoked');
      const refused = await mint(rotated.secret);
      expect((await readError(refused)).error.code).toBe('API_KEY_REVOKED');
      expect((await mint(now.secret)).status).toBe(201);
      // A revoked key cannot be rotated.
      const again = await call('POST', `/v1/orgs/${org}/keys/${rotated.key.id}/rotate`, {
        cookie: owner.cookie,
      });
      expect(again.status).toBe(409);
      const tooLong = await call('POST', `/v1/orgs/${org}/keys/${now.key.id}/rotate`, {
        cookie: owner.cookie,
        body: { grace: 86_401 },
      });
      expect(tooLong.status).toBe(400);
      expect((await readError(tooLong)).error.message).toMatch(/^grace: /);
    });

    it('revoke with endSessions ends at once the live sessions of tokens the key minted', async () => {
      const { key, secret } = await createKey({ name: 'kill switch' });
      const token = (await json<{ token: string }>(await mint(secret), 201)).token;
      const session = await json<{ sessionId: string }>(
        await call('POST', '/v1/sessions', { bearer: token, body: { model: 'echo' } }),
        201,
      );
      const revoked = await json<ApiKey & { sessionsEnded: number }>(
        await call('POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {
          cookie: owner.cookie,
          body: { endSessions: true },
        }),
        200,
      );
      expect(revoked).toMatchObject({ state: 'revoked', sessionsEnded: 1 });
      const list = await json<{
        data: Array<{ sessionId: string; state: string; closeReason: string }>;
      }>(await call('GET', `/v1/orgs/${org}/sessions?state=closed`, { cookie: owner.cookie }), 200);
      expect(list.data.find((s) => s.sessionId === session.sessionId)).toMatchObject({
        state: 'closed',
        closeReason: 'key_revoked',
      });
      const [row] = await audit(`action=session.ended&key=${key.id}`);
      expect(row).toMatchObject({ actor: `user:${owner.id}`, target: session.sessionId });
      expect(row?.requestId).toMatch(/^req_/);
    });

    it('ends a session at once, in the peer that holds it; listed as open before, closed after', async () => {
      const { key, secret } = await createKey({ name: 'browser' });
      const token = (await json<{ token: string }>(await mint(secret), 201)).token;
      const session = await json<{ sessionId: string }>(
        await call('POST', '/v1/sessions', { bearer: token, body: { model: 'echo' } }),
        201,
      );
      const peer = await createTestPeer({ video: true });
      try {
        const answer = await json<{ sdp: string }>(
          await call('POST', `/v1/sessions/${session.sessionId}/offer`, {
            bearer: token,
            body: { sdp: peer.offer },
          }),
          200,
        );
        await peer.answer(answer.sdp);
        await peer.next(isReady);
        const open = await json<{ data: Array<{ sessionId: string; keyId: string }> }>(
          await call('GET', `/v1/orgs/${org}/sessions?state=open`, { cookie: viewer.cookie }),
          200,
        );
        expect(open.data.find((s) => s.sessionId === session.sessionId)?.keyId).toBe(key.id);

        const other404 = await call(
          'DELETE',
          `/v1/orgs/${otherOrg}/sessions/${session.sessionId}`,
          {
            cookie: other.cookie,
          },
        );
        expect(other404.status).toBe(404);

        const ended = await json<{ state: string; closeReason: string }>(
          await call('DELETE', `/v1/orgs/${org}/sessions/${session.sessionId}`, {
            cookie: owner.cookie,
          }),
          200,
        );
        expect(ended).toMatchObject({ state: 'closed', closeReason: 'ended_by_member' });
        expect((await peer.next(isClosing)).reason).toBe('ended_by_member');
        // Again: its state, unchanged.
        const again = await json<{ closeReason: string }>(
          await call('DELETE', `/v1/orgs/${org}/sessions/${session.sessionId}`, {
            cookie: owner.cookie,
          }),
          200,
        );
        expect(again.closeReason).toBe('ended_by_member');
        const rows = await audit(`action=session.ended&actor=user:${owner.id}`);
        expect(rows.filter((r) => r.target === session.sessionId)).toHaveLength(1);
      } finally {
        await peer.close();
      }
      const bad = await call('GET', `/v1/orgs/${org}/sessions?limit=0`, { cookie: owner.cookie });
      expect((await readError(bad)).error.message).toMatch(/^limit: /);
    });

    it('lists and revokes registry credentials of a partner org; revoke with cascade ends the rest', async () => {
      const { key, secret } = await createKey({ name: 'ci', kind: 'partner' });
      expect(secret).toMatch(/^rp_/);
      const issued = [];
      for (let i = 0; i < 3; i++)
        issued.push(
          await json<{ credentialId: string; password: string }>(
            await call('POST', '/v1/registry/credentials', { bearer: secret, body: {} }),
            201,
          ).then((r) => ({ id: r.credentialId, password: r.password })),
        );
      const listRes = await call('GET', `/v1/orgs/${org}/registry/credentials`, {
        cookie: viewer.cookie,
      });
      const text = await listRes.clone().text();
      const list = await json<{
        registry: string;
        data: Array<{ id: string; keyId: string; keyDisplay: string; state: string }>;
      }>(listRes, 200);
      expect(list.registry).toBe('127.0.0.1:5999');
      for (const c of issued) {
        expect(list.data.find((d) => d.id === c.id)).toMatchObject({
          keyId: key.id,
          keyDisplay: key.display,
          state: 'active',
        });
        expect(text).not.toContain(c.password);
      }
      const [first, ...rest] = issued;
      const revoked = await json<{ state: string }>(
        await call('POST', `/v1/orgs/${org}/registry/credentials/${first?.id}/revoke`, {
          cookie: owner.cookie,
        }),
        200,
      );
      expect(revoked.state).toBe('revoked');
      // The registry's token endpoint refuses it at once; the others still work.
      const registryToken = (password: string) =>
        fetch(`${server.url}/v1/registry/token?service=latchkey-registry`, {
          headers: {
            authorization: `Basic ${Buffer.from(`${org}:${password}`).toString('base64')}`,
          },
        });
      const refused = await registryToken(first?.password as string);
      expect(refused.status).toBe(401);
      const { error } = await readError(refused);
      expect(error.code).toBe('INVALID_TOKEN');
      expect(error.message).toMatch(/was revoked/);
      expect((await registryToken(rest[0]?.password as string)).status).toBe(200);
      const again = await call('POST', `/v1/orgs/${org}/registry/credentials/${first?.id}/revoke`, {
        cookie: owner.cookie,
      });
      expect(again.status).toBe(409);
      const [row] = await audit(`action=registry.credential_revoked`);
      expect(row).toMatchObject({ actor: `user:${owner.id}`, target: first?.id });
      // Another org's member cannot see or revoke them.
      const otherRevoke = await call(
        'POST',
        `/v1/orgs/${otherOrg}/registry/credentials/${rest[0]?.id}/revoke`,
        { cookie: other.cookie },
      );
      expect(otherRevoke.status).toBe(404);
      // A non-partner org has none.
      const notPartner = await call('GET', `/v1/orgs/${otherOrg}/registry/credentials`, {
        cookie: other.cookie,
      });
      expect(notPartner.status).toBe(404);

      const cascaded = await json<{ credentialsEnded: number }>(
        await call('POST', `/v1/orgs/${org}/keys/${key.id}/revoke`, {
          cookie: owner.cookie,
          body: { cascade: true },
        }),
        200,
      );
      expect(cascaded.credentialsEnded).toBe(2);
      const after = await json<{ data: Array<{ id: string; state: string }> }>(
        await call('GET', `/v1/orgs/${org}/registry/credentials`, { cookie: owner.cookie }),
        200,
      );
      for (const c of issued) expect(after.data.find((d) => d.id === c.id)?.state).toBe('revoked');
    });

    it('refuses a partner key for a non-partner org and a body with unknown fields', async () => {
      const wrong = await call('POST', `/v1/orgs/${otherOrg}/keys`, {
        cookie: other.cookie,
        body: { name: 'p', kind: 'partner' },
      });
      expect((await readError(wrong)).error.code).toBe('WRONG_KEY_KIND');
      const extra = await call('POST', `/v1/orgs/${org}/keys`, {
        cookie: owner.cookie,
        body: { name: 'x', secret: 'mine' },
      });
      expect(extra.status).toBe(400);
      expect((await readError(extra)).error.code).toBe('INVALID_REQUEST');
    });
  });
});
