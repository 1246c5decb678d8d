// Storage and services, the same suite on PGlite and on real PostgreSQL.
import { createVerifier } from '@latchkey/core/node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrations.js';
import {
  type AdminApi,
  createAdminApi,
  createPlatform,
  manualClock,
  openDatabase,
  type Platform,
  type ServerConfig,
} from '../src/index.js';
import { mintToken } from '../src/services/mint-token.js';
import { findOrg } from '../src/services/orgs.js';
import {
  createTestDatabase,
  embeddedConfig,
  itWhen,
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

const pgUp = await postgresAvailable();

interface Backend {
  name: 'pglite' | 'postgres';
  run: boolean;
}

const backends: Backend[] = [
  { name: 'pglite', run: true },
  { name: 'postgres', run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

const ISSUER = 'https://latchkey.test';

describe.each(backends)('storage on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    const clock = manualClock(Date.UTC(2030, 0, 1));
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let config: ServerConfig;
    let p: Platform;
    let admin: AdminApi;
    const others: Platform[] = [];

    beforeAll(async () => {
      dir = tempDir();
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
        config = postgresConfig(database.url, dir.dir);
      } else {
        config = embeddedConfig(dir.dir);
      }
      p = await createPlatform(config, { clock });
      admin = createAdminApi(p);
    });

    afterAll(async () => {
      for (const o of others) await o.close();
      await p?.close();
      await database?.drop();
      dir?.remove();
    });

    async function newOrg(name: string, partner = false) {
      const r = await admin.createOrg({ name, partner, actor: 'test' });
      if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
      return r.value;
    }
    async function newKey(org: string, expiresInSeconds?: number) {
      const r = await admin.createKey({ org, actor: 'test', expiresInSeconds });
      if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
      return r.value;
    }

    it('reports which database it is on', () => {
      expect(p.database.kind).toBe(backend.name);
    });

    describe('migrations', () => {
      it('run again as a no-op, keeping data', async () => {
        const org = await newOrg('Before Migrations');
        await migrate(p.db as never);
        await migrate(p.db as never);
        const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(
          p.db,
        );
        expect(applied.rows.map((r) => r.name)).toEqual([
          '0001_core',
          '0002_registry',
          '0003_realtime',
          '0004_accounts',
          '0005_device_codes',
          '0006_partner_models',
        ]);
        expect((await findOrg(p.db, org.id)).ok).toBe(true);
      });

      itWhen(backend.name === 'postgres')(
        'a second process opening the same database migrates nothing and sees the data',
        async () => {
          const org = await newOrg('Seen By Another Process');
          const second = await openDatabase({ databaseUrl: database?.url, dataDir: dir.dir });
          try {
            const found = await findOrg(second.db, org.slug);
            expect(found.ok && found.value.id).toBe(org.id);
          } finally {
            await second.close();
          }
        },
      );

      itWhen(backend.name === 'postgres')(
        'two processes starting at once on an empty database agree on one signing key',
        async () => {
          const fresh = await createTestDatabase();
          try {
            const cfg = postgresConfig(fresh.url, dir.dir);
            const [a, b] = await Promise.all([createPlatform(cfg), createPlatform(cfg)]);
            try {
              expect(a.signingKeys.active().kid).toBe(b.signingKeys.active().kid);
              const active = await a.db
                .selectFrom('signing_keys')
                .select('kid')
                .where('retired_at', 'is', null)
                .execute();
              expect(active).toHaveLength(1);
            } finally {
              await a.close();
              await b.close();
            }
          } finally {
            await fresh.drop();
          }
        },
      );
    });

    describe('orgs', () => {
      it('are found by id and by slug', async () => {
        const org = await newOrg('Acme Rockets');
        expect(org).toMatchObject({ name: 'Acme Rockets', slug: 'acme-rockets', partner: false });
        expect(org.id).toMatch(/^org_/);
        const byId = await findOrg(p.db, org.id);
        const bySlug = await findOrg(p.db, 'acme-rockets');
        expect(byId).toEqual({ ok: true, value: org });
        expect(bySlug).toEqual({ ok: true, value: org });
        const missing = await findOrg(p.db, 'no-such-org');
        expect(missing).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      });

      it('a taken slug → CONFLICT naming the slug', async () => {
        await newOrg('Twin');
        const again = await admin.createOrg({ name: 'Twin', actor: 'test' });
        expect(again).toMatchObject({ ok: false, code: 'CONFLICT' });
        expect(!again.ok && again.message).toMatch(/"twin"/);
        const explicit = await admin.createOrg({ name: 'Other', slug: 'twin', actor: 'test' });
        expect(explicit).toMatchObject({ ok: false, code: 'CONFLICT' });
      });

      it('two concurrent creates of one slug: exactly one wins, the other is CONFLICT', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, () => admin.createOrg({ name: 'Racing Co', actor: 'test' })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        for (const r of results.filter((r) => !r.ok)) expect(r).toMatchObject({ code: 'CONFLICT' });
        const rows = await p.db.selectFrom('orgs').select('id').where('slug', '=', 'racing-co');
        expect(await rows.execute()).toHaveLength(1);
      });
    });

    describe('keys', () => {
      it('create, list, revoke, rotate, with their states', async () => {
        const org = await newOrg('Key Keepers');
        const forever = await newKey(org.id);
        const shortLived = await newKey(org.slug, 3600);
        expect(forever.secret).toMatch(/^rk_[0-9A-Za-z]{38}$/);
        expect(forever.key).toMatchObject({
          orgId: org.id,
          kind: 'app',
          state: 'active',
          display: `rk_…${forever.secret.slice(-4)}`,
          expiresAt: null,
          createdBy: 'test',
        });
        expect(shortLived.key.expiresAt).toBe(new Date(clock.now() + 3600_000).toISOString());
        // The database holds a hash, never the secret.
        const stored = await p.db
          .selectFrom('api_keys')
          .selectAll()
          .where('id', '=', forever.key.id)
          .executeTakeFirstOrThrow();
        expect(JSON.stringify(stored)).not.toContain(forever.secret);
        expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);

        const states = async () => {
          const r = await admin.listKeys({ org: org.id });
          if (!r.ok) throw new Error(r.message);
          return Object.fromEntries(r.value.map((k) => [k.id, k.state]));
        };
        expect(await states()).toEqual({
          [forever.key.id]: 'active',
          [shortLived.key.id]: 'active',
        });

        clock.advance(3600_000);
        expect((await states())[shortLived.key.id]).toBe('expired');
        const expiredAuth = await p.keys.authenticate(shortLived.secret);
        expect(expiredAuth).toMatchObject({ ok: false, code: 'API_KEY_EXPIRED' });

        const rotated = await admin.rotateKey({
          id: forever.key.id,
          graceSeconds: 120,
          actor: 'test',
        });
        if (!rotated.ok) throw new Error(rotated.message);
        expect(rotated.value.old).toMatchObject({
          state: 'active',
          rotatedTo: rotated.value.key.id,
        });
        expect(rotated.value.old.expiresAt).toBe(new Date(clock.now() + 120_000).toISOString());
        expect(rotated.value.key).toMatchObject({ orgId: org.id, kind: 'app', state: 'active' });
        expect(rotated.value.secret).not.toBe(forever.secret);

        const revoked = await admin.revokeKey({
          id: rotated.value.key.id,
          reason: 'compromised',
          actor: 'test',
        });
        expect(revoked).toMatchObject({
          ok: true,
          value: { state: 'revoked', revokedReason: 'compromised' },
        });
        clock.advance(120_000);
        expect(await states()).toEqual({
          [forever.key.id]: 'expired',
          [shortLived.key.id]: 'expired',
          [rotated.value.key.id]: 'revoked',
        });
        // An expired key cannot be rotated either.
        const late = await admin.rotateKey({ id: shortLived.key.id, actor: 'test' });
        expect(late).toMatchObject({ ok: false, code: 'API_KEY_EXPIRED' });
      });

      it('a rotated key keeps the lifetime of the one it replaces', async () => {
        const org = await newOrg('Lifetimes');
        const k = await newKey(org.id, 7 * 86_400);
        clock.advance(86_400_000);
        const r = await admin.rotateKey({ id: k.key.id, actor: 'test' });
        if (!r.ok) throw new Error(r.message);
        expect(r.value.key.expiresAt).toBe(new Date(clock.now() + 7 * 86_400_000).toISOString());
        expect(r.value.old.state).toBe('revoked');
      });
    });

    describe('signing keys', () => {
      it('rotation keeps the old public key in the JWKS; a token signed before still verifies', async () => {
        const org = await newOrg('Signers');
        const k = await newKey(org.id);
        const authed = await p.keys.authenticate(k.secret);
        if (!authed.ok) throw new Error(authed.message);
        const deps = {
          clock,
          signingKeys: p.signingKeys,
          issuer: ISSUER,
          audience: 'latchkey',
        };
        const before = mintToken(deps, authed.value, { expiresIn: 3600 });
        const oldKid = p.signingKeys.active().kid;

        const rotated = await admin.rotateSigningKey({ actor: 'test' });
        if (!rotated.ok) throw new Error(rotated.message);
        expect(rotated.value.retired).toBe(oldKid);
        expect(p.signingKeys.active().kid).toBe(rotated.value.kid);
        expect(
          p.signingKeys
            .jwks()
            .keys.map((j) => j.kid)
            .sort(),
        ).toEqual([oldKid, rotated.value.kid].sort());

        const after = mintToken(deps, authed.value, { expiresIn: 3600 });
        const verify = createVerifier({
          jwks: p.signingKeys.jwks(),
          issuer: ISSUER,
          audience: 'latchkey',
          now: () => Math.floor(clock.now() / 1000),
        });
        const v1 = await verify(before.token);
        const v2 = await verify(after.token);
        expect(v1.ok && v1.claims.jti).toBe(before.tokenId);
        expect(v2.ok && v2.claims.jti).toBe(after.tokenId);
        expect(
          JSON.parse(Buffer.from(after.token.split('.')[0] ?? '', 'base64url').toString()),
        ).toMatchObject({ kid: rotated.value.kid });

        // The private half is sealed at rest.
        const row = await p.db
          .selectFrom('signing_keys')
          .select('private_enc')
          .where('kid', '=', oldKid)
          .executeTakeFirstOrThrow();
        expect(row.private_enc).toMatch(/^v1\./);

        // Once the last token the old key could have signed is past, it leaves the JWKS.
        clock.advance((6 * 3600 + 121) * 1000);
        await p.signingKeys.reload();
        expect(p.signingKeys.jwks().keys.map((j) => j.kid)).toEqual([rotated.value.kid]);
      });
    });

    describe('revocation reaches the key cache', () => {
      it('in this process: a cached key is refused as soon as it is revoked', async () => {
        const org = await newOrg('Cache Busters');
        const k = await newKey(org.id);
        expect((await p.keys.authenticate(k.secret)).ok).toBe(true);
        const sizeBefore = p.keys.size;
        expect(sizeBefore).toBeGreaterThan(0);
        const r = await admin.revokeKey({ id: k.key.id, actor: 'test' });
        expect(r.ok).toBe(true);
        // The bus is asynchronous on PostgreSQL (NOTIFY comes back over the LISTEN connection).
        await pollUntil(
          'the revoke to reach the cache',
          async () => {
            const a = await p.keys.authenticate(k.secret);
            return a.ok ? undefined : a;
          },
          1000,
          5,
        ).then((a) => expect(a).toMatchObject({ code: 'API_KEY_REVOKED' }));
      });

      itWhen(backend.name === 'postgres')(
        'across processes: revoked through one, refused by the other (latency printed)',
        async () => {
          const q = await createPlatform(config, { clock });
          others.push(q);
          const qAdmin = createAdminApi(q);
          const org = await newOrg('Two Processes');
          const k = await newKey(org.id);
          expect((await p.keys.authenticate(k.secret)).ok).toBe(true);
          expect((await q.keys.authenticate(k.secret)).ok).toBe(true);
          expect(q.keys.size).toBeGreaterThan(0);

          const started = performance.now();
          // Revoke through q; p holds the key in its cache and must hear of it.
          const r = await qAdmin.revokeKey({ id: k.key.id, reason: 'leaked', actor: 'test' });
          expect(r.ok).toBe(true);
          const committed = performance.now();
          const refusal = await pollUntil(
            'process p to refuse the revoked key',
            async () => {
              const a = await p.keys.authenticate(k.secret);
              return a.ok ? undefined : a;
            },
            2000,
            2,
          );
          const refusedAt = performance.now();
          expect(refusal).toMatchObject({ code: 'API_KEY_REVOKED' });
          const total = refusedAt - started;
          console.log(
            `[latchkey] cross-process revocation latency on PostgreSQL: ${total.toFixed(1)} ms ` +
              `from revoke call (${(refusedAt - committed).toFixed(1)} ms after commit)`,
          );
        },
      );

      itWhen(backend.name === 'postgres')(
        'across processes: a signing-key rotation in one is picked up by the other',
        async () => {
          const q = await createPlatform(config, { clock });
          others.push(q);
          expect(q.signingKeys.active().kid).toBe(p.signingKeys.active().kid);
          const r = await createAdminApi(q).rotateSigningKey({ actor: 'test' });
          if (!r.ok) throw new Error(r.message);
          await pollUntil(
            'p to switch signing keys',
            async () => (p.signingKeys.active().kid === r.value.kid ? true : undefined),
            2000,
          );
          expect(p.signingKeys.jwks().keys.map((j) => j.kid)).toContain(r.value.retired);
        },
      );

      it('the periodic re-check evicts a key changed without a notification', async () => {
        const org = await newOrg('Safety Net');
        const k = await newKey(org.id);
        expect((await p.keys.authenticate(k.secret)).ok).toBe(true);
        // Revoke behind the service's back: no bus event.
        await p.db
          .updateTable('api_keys')
          .set({ revoked_at: new Date(clock.now()), updated_at: new Date(clock.now()) })
          .where('id', '=', k.key.id)
          .execute();
        expect((await p.keys.authenticate(k.secret)).ok).toBe(true);
        await p.keys.recheck();
        expect(await p.keys.authenticate(k.secret)).toMatchObject({
          ok: false,
          code: 'API_KEY_REVOKED',
        });
      });
    });
  });
});
