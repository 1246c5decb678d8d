import { MAX_TOKEN_SECONDS, newId } from '@latchkey/core';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  type JwkSet,
  type PublicJwk,
  type SigningKeyPair,
} from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './secret-box.js';

/**
 * The Ed25519 keys that sign session tokens. The private half is sealed at rest;
 * a retired key stays in the JWKS until the last token it could have signed expires.
 */
export interface SigningKeys {
  /** The key to sign with now. */
  active(): SigningKeyPair;
  jwks(): JwkSet;
  /** Re-reads the keys (after another process rotated them). */
  reload(): Promise<void>;
  /** Retires the active key and makes a new one; returns the new kid. */
  rotate(): Promise<{ kid: string; retired: string | undefined }>;
}

export async function createSigningKeys(
  db: Kysely<Database>,
  box: SecretBox,
  clock: Clock,
): Promise<SigningKeys> {
  let current: SigningKeyPair | undefined;
  let published: JwkSet = { keys: [] };

  const insertNew = async (trx: Kysely<Database>) => {
    const pair = generateSigningKey(newId('sig', clock.now()));
    await trx
      .insertInto('signing_keys')
      .values({
        kid: pair.kid,
        public_jwk: JSON.stringify(pair.publicJwk),
        private_enc: box.seal(exportPrivateKey(pair.privateKey)),
        created_at: new Date(clock.now()),
      })
      .execute();
    return pair.kid;
  };

  const reload = async () => {
    const now = new Date(clock.now());
    const rows = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('publish_until', 'is', null), eb('publish_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();
    const activeRow = rows.find((r) => r.retired_at === null);
    if (activeRow && activeRow.kid !== current?.kid) {
      current = importPrivateKey(activeRow.kid, box.open(activeRow.private_enc));
    }
    published = {
      keys: rows.map(
        (r) =>
          (typeof r.public_jwk === 'string' ? JSON.parse(r.public_jwk) : r.public_jwk) as PublicJwk,
      ),
    };
  };

  await reload();
  if (!current) {
    try {
      await insertNew(db);
    } catch {
      // Another process created the active key at the same moment; use theirs.
    }
    await reload();
  }
  if (!current) throw new Error('no active signing key');

  return {
    active: () => current as SigningKeyPair,
    jwks: () => published,
    reload,
    async rotate() {
      const retired = current?.kid;
      const kid = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await trx
          .updateTable('signing_keys')
          .set({
            retired_at: new Date(now),
            publish_until: new Date(now + (MAX_TOKEN_SECONDS + 120) * 1000),
          })
          .where('retired_at', 'is', null)
          .execute();
        return insertNew(trx);
      });
      await reload();
      return { kid, retired };
    },
  };
}
