// The audit trail, seen from the outside: what a real server writes, and when.
import { generateKey } from '@latchkey/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi, type RunningServer } from '../src/index.js';
import { embeddedConfig, type TempDir, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const UA = 'latchkey-audit-tests/1 (+https://example.test)';
const secrets: string[] = [];

let dir: TempDir;
let server: RunningServer;
let admin: AdminApi;
let orgId: string;

beforeAll(async () => {
  dir = tempDir();
  server = await startServer(
    embeddedConfig(dir.dir, {
      // No limits here: this file is about what gets written, not about refusals.
      LATCHKEY_MINT_RATE_PER_KEY: '0',
      LATCHKEY_AUTH_FAILURES_PER_IP: '0',
    }),
  );
  admin = createAdminApi(server.platform);
  const org = await admin.createOrg({ name: 'Audited Co', actor: 'test:setup' });
  if (!org.ok) throw new Error(org.message);
  orgId = org.value.id;
});

afterAll(async () => {
  await server?.close();
  dir?.remove();
});

const db = () => server.platform.db;

async function newKey(org = orgId) {
  const r = await admin.createKey({ org, actor: 'test:setup' });
  if (!r.ok) throw new Error(r.message);
  secrets.push(r.value.secret);
  return r.value;
}

async function request(path: string, init: { method?: string; key?: string; json?: unknown }) {
  // This server does not trust proxies: a forged X-Forwarded-For must not become the ip.
  const headers: Record<string, string> = { 'User-Agent': UA, 'X-Forwarded-For': '198.51.100.7' };
  if (init.key !== undefined) headers.Authorization = `Bearer ${init.key}`;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(server.url + path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, read by the assertions
  const body = (await res.json()) as Record<string, any>;
  return { status: res.status, body, requestId: res.headers.get('x-request-id') };
}

const auditRows = (where: { action?: string; target?: string; requestId?: string }) => {
  let q = db().selectFrom('audit_events').selectAll();
  if (where.action) q = q.where('action', '=', where.action);
  if (where.target) q = q.where('target', '=', where.target);
  if (where.requestId) q = q.where('request_id', '=', where.requestId);
  return q.orderBy('seq', 'asc').execute();
};

const countAll = async (table: 'audit_events' | 'api_keys' | 'orgs') =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const dataOf = (row: { data: unknown }) =>
  (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;

describe('token.minted', () => {
  it('is durable by the time the 201 arrives, with token id, key id and grant summary', async () => {
    const key = await newKey();
    const r = await request('/v1/tokens', {
      method: 'POST',
      key: key.secret,
      json: {
        expiresIn: 600,
        models: ['gpt-realtime'],
        maxSessions: 3,
        origins: ['https://app.example.com'],
        metadata: { userId: 'u_1' },
      },
    });
    expect(r.status).toBe(201);
    // No flush, no polling: the row must already be there.
    const rows = await auditRows({ action: 'token.minted', target: r.body.tokenId });
    expect(rows).toHaveLength(1);
    const row = rows[0] as (typeof rows)[number];
    expect(row).toMatchObject({
      org_id: orgId,
      actor: key.key.id,
      target: r.body.tokenId,
      outcome: 'ok',
      user_agent: UA,
      request_id: r.requestId,
    });
    expect(row.ip).toMatch(/127\.0\.0\.1$/);
    expect(dataOf(row)).toEqual({
      keyId: key.key.id,
      expiresAt: r.body.expiresAt,
      models: ['gpt-realtime'],
      maxSessions: 3,
      origins: ['https://app.example.com'],
      maxSessionSeconds: 3600,
      metadataBytes: Buffer.byteLength(JSON.stringify({ userId: 'u_1' })),
    });
    // The token itself is not stored, only its id.
    expect(JSON.stringify(row)).not.toContain(r.body.token);
    expect(JSON.stringify(row)).not.toContain(key.secret);
  });

  it('200 concurrent mints all answer 201 and all have their audit row (group commit)', async () => {
    const key = await newKey();
    const before = await countAll('audit_events');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request('/v1/tokens', {
          method: 'POST',
          key: key.secret,
          json: { expiresIn: 60, metadata: { i } },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(201));
    const ids = results.map((r) => r.body.tokenId as string);
    expect(new Set(ids).size).toBe(200);
    const rows = await db()
      .selectFrom('audit_events')
      .select(['target', 'request_id', 'actor'])
      .where('action', '=', 'token.minted')
      .where('target', 'in', ids)
      .execute();
    expect(rows).toHaveLength(200);
    const byToken = new Map(rows.map((r) => [r.target, r]));
    for (const r of results) {
      expect(byToken.get(r.body.tokenId)?.request_id).toBe(r.requestId);
      expect(byToken.get(r.body.tokenId)?.actor).toBe(key.key.id);
    }
    expect(await countAll('audit_events')).toBe(before + 200);
  });
});

describe('auth.failed', () => {
  const cases: Array<{
    name: string;
    key: () => Promise<string | undefined>;
    code: string;
    status: number;
    actor: (secret: string | undefined) => string;
    subject: boolean;
  }> = [
    {
      name: 'no key',
      key: async () => undefined,
      code: 'MISSING_API_KEY',
      status: 401,
      actor: () => 'anonymous',
      subject: false,
    },
    {
      name: 'malformed key',
      key: async () => 'rk_short',
      code: 'INVALID_API_KEY',
      status: 401,
      actor: () => 'anonymous',
      subject: false,
    },
    {
      name: 'unknown key',
      key: async () => generateKey('app'),
      code: 'INVALID_API_KEY',
      status: 401,
      actor: (s) => `rk_…${s?.slice(-4)}`,
      subject: false,
    },
    {
      name: 'revoked key',
      key: async () => {
        const k = await newKey();
        const r = await admin.revokeKey({ id: k.key.id, actor: 'test' });
        if (!r.ok) throw new Error(r.message);
        return k.secret;
      },
      code: 'API_KEY_REVOKED',
      status: 401,
      actor: (s) => `rk_…${s?.slice(-4)}`,
      subject: true,
    },
  ];

  it.each(cases)(
    '$name → one auth.failed row with the outcome code, display form, ip, user agent, request id',
    async (c) => {
      const secret = await c.key();
      if (secret) secrets.push(secret);
      const r = await request('/v1/tokens', {
        method: 'POST',
        ...(secret !== undefined ? { key: secret } : {}),
        json: {},
      });
      expect(r.status).toBe(c.status);
      expect(r.body.error.code).toBe(c.code);
      expect(r.requestId).toBe(r.body.error.requestId);
      await server.platform.audit.flush();
      const rows = await auditRows({ action: 'auth.failed', requestId: r.requestId as string });
      expect(rows).toHaveLength(1);
      const row = rows[0] as (typeof rows)[number];
      expect(row).toMatchObject({
        outcome: c.code,
        actor: c.actor(secret),
        user_agent: UA,
        request_id: r.requestId,
      });
      expect(row.ip).toMatch(/127\.0\.0\.1$/);
      expect(row.ip).not.toContain('198.51.100.7');
      expect(dataOf(row)).toEqual({ path: '/v1/tokens' });
      if (c.subject) {
        expect(row.org_id).toBe(orgId);
        expect(row.target).toMatch(/^key_/);
      } else {
        expect(row.org_id).toBeNull();
        expect(row.target).toBeNull();
      }
      if (secret) {
        expect(JSON.stringify(row)).not.toContain(secret);
        expect(JSON.stringify(row)).not.toContain(secret.slice(3, 30));
      }
    },
  );
});

describe('management changes', () => {
  it('org.created, key.created, key.rotated, key.revoked and signing_key.rotated are audited', async () => {
    const org = await admin.createOrg({ name: 'Lifecycle Ltd', actor: 'op:alice' });
    if (!org.ok) throw new Error(org.message);
    const created = await admin.createKey({
      org: org.value.id,
      name: 'backend',
      actor: 'op:alice',
    });
    if (!created.ok) throw new Error(created.message);
    secrets.push(created.value.secret);
    const rotated = await admin.rotateKey({
      id: created.value.key.id,
      graceSeconds: 60,
      actor: 'op:bob',
    });
    if (!rotated.ok) throw new Error(rotated.message);
    secrets.push(rotated.value.secret);
    const revoked = await admin.revokeKey({
      id: rotated.value.key.id,
      reason: 'offboarding',
      actor: 'op:carol',
    });
    if (!revoked.ok) throw new Error(revoked.message);
    const sig = await admin.rotateSigningKey({ actor: 'op:dave' });
    if (!sig.ok) throw new Error(sig.message);

    const listed = await admin.audit({ org: org.value.slug });
    if (!listed.ok) throw new Error(listed.message);
    // Newest first.
    expect(listed.value.map((e) => e.action)).toEqual([
      'key.revoked',
      'key.rotated',
      'key.created',
      'org.created',
    ]);
    const [rev, rot, kc, oc] = listed.value;
    expect(oc).toMatchObject({
      actor: 'op:alice',
      target: org.value.id,
      outcome: 'ok',
      data: { name: 'Lifecycle Ltd', slug: 'lifecycle-ltd', partner: false },
    });
    expect(kc).toMatchObject({
      actor: 'op:alice',
      target: created.value.key.id,
      data: { kind: 'app', name: 'backend', display: created.value.key.display },
    });
    expect(rot).toMatchObject({
      actor: 'op:bob',
      target: created.value.key.id,
      data: { newKeyId: rotated.value.key.id, graceSeconds: 60 },
    });
    expect(rev).toMatchObject({
      actor: 'op:carol',
      target: rotated.value.key.id,
      data: { reason: 'offboarding' },
    });
    const text = JSON.stringify(listed.value);
    expect(text).not.toContain(created.value.secret);
    expect(text).not.toContain(rotated.value.secret);

    const sigRows = await auditRows({ action: 'signing_key.rotated', target: sig.value.kid });
    expect(sigRows).toHaveLength(1);
    expect(sigRows[0]).toMatchObject({ actor: 'op:dave', org_id: null, outcome: 'ok' });
  });
});

describe('a failed management change leaves nothing half-written', () => {
  it('revoking an unknown key → NOT_FOUND, no audit row', async () => {
    const before = await countAll('audit_events');
    const r = await admin.revokeKey({ id: 'key_0000000000000000000000', actor: 'test' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('NOT_FOUND');
    expect(await countAll('audit_events')).toBe(before);
  });

  it('revoking twice → CONFLICT the second time, one key.revoked row', async () => {
    const k = await newKey();
    expect((await admin.revokeKey({ id: k.key.id, actor: 'test' })).ok).toBe(true);
    const before = await countAll('audit_events');
    const again = await admin.revokeKey({ id: k.key.id, actor: 'test' });
    expect(!again.ok && again.code).toBe('CONFLICT');
    expect(await countAll('audit_events')).toBe(before);
    expect(await auditRows({ action: 'key.revoked', target: k.key.id })).toHaveLength(1);
  });

  it('rotating a revoked key fails: no new key, no audit row', async () => {
    const k = await newKey();
    expect((await admin.revokeKey({ id: k.key.id, actor: 'test' })).ok).toBe(true);
    const keysBefore = await countAll('api_keys');
    const auditBefore = await countAll('audit_events');
    const r = await admin.rotateKey({ id: k.key.id, graceSeconds: 60, actor: 'test' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('API_KEY_REVOKED');
    expect(!r.ok && r.message).toMatch(/revoked and cannot be rotated/);
    expect(await countAll('api_keys')).toBe(keysBefore);
    expect(await countAll('audit_events')).toBe(auditBefore);
    const row = await db()
      .selectFrom('api_keys')
      .select('rotated_to')
      .where('id', '=', k.key.id)
      .executeTakeFirstOrThrow();
    expect(row.rotated_to).toBeNull();
  });

  it('a taken slug, a partner key for a non-partner org, an unknown org: nothing written', async () => {
    const counts = async () => [
      await countAll('orgs'),
      await countAll('api_keys'),
      await countAll('audit_events'),
    ];
    const before = await counts();
    const dup = await admin.createOrg({ name: 'Audited Co', actor: 'test' });
    expect(!dup.ok && dup.code).toBe('CONFLICT');
    const partner = await admin.createKey({ org: orgId, kind: 'partner', actor: 'test' });
    expect(!partner.ok && partner.code).toBe('WRONG_KEY_KIND');
    const nowhere = await admin.createKey({ org: 'no-such-org', actor: 'test' });
    expect(!nowhere.ok && nowhere.code).toBe('NOT_FOUND');
    const badGrace = await admin.rotateKey({
      id: (await newKey()).key.id,
      graceSeconds: 10 * 86_400,
      actor: 'test',
    });
    expect(!badGrace.ok && badGrace.code).toBe('INVALID_REQUEST');
    const after = await counts();
    // Only newKey() above wrote: one key and its key.created row.
    expect(after).toEqual([before[0], (before[1] as number) + 1, (before[2] as number) + 1]);
  });

  describe('when the audit insert itself fails, the change rolls back with it', () => {
    beforeAll(async () => {
      await sql`
        create function refuse_audit() returns trigger language plpgsql as $$
        begin
          if new.action in ('key.rotated', 'key.revoked', 'org.created') and new.actor = 'test:doomed' then
            raise exception 'audit storage refused the row';
          end if;
          return new;
        end $$`.execute(db());
      await sql`create trigger refuse_audit before insert on audit_events
        for each row execute function refuse_audit()`.execute(db());
    });
    afterAll(async () => {
      await sql`drop trigger if exists refuse_audit on audit_events`.execute(db());
      await sql`drop function if exists refuse_audit()`.execute(db());
    });

    it('rotate: no new key, the old key untouched and still accepted', async () => {
      const k = await newKey();
      const keysBefore = await countAll('api_keys');
      await expect(
        admin.rotateKey({ id: k.key.id, graceSeconds: 0, actor: 'test:doomed' }),
      ).rejects.toThrow(/audit storage refused/);
      expect(await countAll('api_keys')).toBe(keysBefore);
      const row = await db()
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', k.key.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBeNull();
      expect(row.rotated_to).toBeNull();
      const who = await request('/v1/whoami', { key: k.secret });
      expect(who.status).toBe(200);
    });

    it('revoke: the key stays active', async () => {
      const k = await newKey();
      await expect(admin.revokeKey({ id: k.key.id, actor: 'test:doomed' })).rejects.toThrow(
        /audit storage refused/,
      );
      const row = await db()
        .selectFrom('api_keys')
        .select('revoked_at')
        .where('id', '=', k.key.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBeNull();
      expect((await request('/v1/whoami', { key: k.secret })).status).toBe(200);
    });

    it('create org: no org', async () => {
      const before = await countAll('orgs');
      await expect(admin.createOrg({ name: 'Never Was', actor: 'test:doomed' })).rejects.toThrow(
        /audit storage refused/,
      );
      expect(await countAll('orgs')).toBe(before);
      expect((await admin.createOrg({ name: 'Never Was', actor: 'test' })).ok).toBe(true);
    });
  });
});

describe('secrets in the audit trail', () => {
  it('no audit row anywhere holds a full key', async () => {
    await server.platform.audit.flush();
    const all = JSON.stringify(await db().selectFrom('audit_events').selectAll().execute());
    expect(secrets.length).toBeGreaterThan(5);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});
