// The account tables are created by our own migration (accounts/schema.ts), in the
// columns better-auth expects. If an upgrade of the library wants another column or
// table, this fails before a person's first sign-in does.
import { getMigrations } from 'better-auth/db/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../src/accounts/users.js';
import { createPlatform, type Platform } from '../src/index.js';
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

const pgUp = await postgresAvailable();

describe.each([
  { name: 'pglite', run: true },
  { name: 'postgres', run: serviceGate('PostgreSQL', PG_URL, pgUp) },
])('account tables on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let p: Platform;

    beforeAll(async () => {
      dir = tempDir();
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
        p = await createPlatform(postgresConfig(database.url, dir.dir));
      } else {
        p = await createPlatform(embeddedConfig(dir.dir));
      }
    });

    afterAll(async () => {
      await p?.close();
      await database?.drop();
      dir?.remove();
    });

    it('are what better-auth expects: its migrator finds nothing to create or add', async () => {
      const { toBeCreated, toBeAdded } = await getMigrations(p.auth.options);
      expect(toBeCreated.map((t) => t.table)).toEqual([]);
      expect(toBeAdded.map((t) => `${t.table}: ${Object.keys(t.fields).join(', ')}`)).toEqual([]);
    });

    it('hold no reset or sign-in-link token in the clear', async () => {
      await p.auth.api.signUpEmail({
        body: { email: 'hash@example.com', password: 'correct horse battery', name: 'H' },
      });
      await p.auth.api.requestPasswordReset({ body: { email: 'hash@example.com' } });
      const link = new URL(await signInLink(p.auth, 'hash@example.com'));
      const token = link.searchParams.get('token') ?? '';
      expect(token.length).toBeGreaterThan(16);
      const rows = await p.db.selectFrom('auth_verifications').selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const row of rows) {
        expect(row.identifier).not.toContain(token);
        expect(row.value).not.toContain(token);
      }
    });
  });
});
