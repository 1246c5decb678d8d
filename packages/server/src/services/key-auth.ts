import { displayKey, type KeyKind, parseKey } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from './clock.js';
import type { EventBus } from './event-bus.js';
import { fail, ok, type Result } from './result.js';

/** What a request learns about the key it presented. */
export interface AuthedKey {
  id: string;
  orgId: string;
  kind: KeyKind;
  display: string;
  expiresAt: number | null;
}

interface Cached extends AuthedKey {
  revoked: boolean;
}

export interface KeyAuthenticator {
  /** Checks a presented key: shape and checksum offline, then cache, then database. */
  authenticate(secret: string): Promise<Result<AuthedKey>>;
  /** Records a use; flushed to `last_used_at` in batches. */
  touch(keyId: string): void;
  /** Re-reads keys changed since the last check (the safety net under the bus). */
  recheck(): Promise<void>;
  close(): Promise<void>;
  readonly size: number;
}

export interface KeyAuthOptions {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  /** Period of the safety-net re-check. Default 15 s. */
  recheckMs?: number;
  /** Period of `last_used_at` writes. Default 5 s. */
  touchFlushMs?: number;
}

export function createKeyAuthenticator(options: KeyAuthOptions): KeyAuthenticator {
  const { db, clock, bus } = options;
  const byHash = new Map<string, Cached>();
  const hashById = new Map<string, string>();
  const touched = new Set<string>();
  // Start the re-check window before anything is cached, and overlap windows a
  // little so a change committed during a check is never missed.
  let lastCheck = clock.now();

  // Bumped on every eviction: a lookup that raced with one must not cache what it read.
  let epoch = 0;
  const evict = (keyId: string) => {
    epoch++;
    const h = hashById.get(keyId);
    if (h) byHash.delete(h);
    hashById.delete(keyId);
  };
  const evictAll = () => {
    epoch++;
    byHash.clear();
    hashById.clear();
  };
  bus.subscribe((e) => {
    if (e.type === 'key-changed') evict(e.keyId);
  });
  bus.onResync(evictAll);

  const recheck = async () => {
    const since = new Date(lastCheck - 5_000);
    const started = clock.now();
    const rows = await db
      .selectFrom('api_keys')
      .select('id')
      .where('updated_at', '>', since)
      .execute();
    for (const r of rows) evict(r.id);
    lastCheck = started;
  };

  const flushTouches = async () => {
    if (touched.size === 0) return;
    const ids = [...touched];
    touched.clear();
    await db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(clock.now()) })
      .where('id', 'in', ids)
      .execute();
  };

  const recheckTimer = setInterval(
    () => recheck().catch(() => evictAll()),
    options.recheckMs ?? 15_000,
  );
  const touchTimer = setInterval(
    () => flushTouches().catch(() => undefined),
    options.touchFlushMs ?? 5_000,
  );
  recheckTimer.unref();
  touchTimer.unref();

  return {
    async authenticate(secret) {
      const parsed = parseKey(secret);
      if (!parsed.ok) return fail('INVALID_API_KEY', `the API key is malformed: ${parsed.reason}`);
      const hash = hashKey(secret);
      let entry = byHash.get(hash);
      for (let attempt = 0; !entry; attempt++) {
        const seen = epoch;
        const row = await db
          .selectFrom('api_keys')
          .innerJoin('orgs', 'orgs.id', 'api_keys.org_id')
          .select([
            'api_keys.id',
            'api_keys.org_id',
            'api_keys.kind',
            'api_keys.display',
            'api_keys.expires_at',
            'api_keys.revoked_at',
            'orgs.deleted_at',
          ])
          .where('api_keys.hash', '=', hash)
          .executeTakeFirst();
        if (!row) return fail('INVALID_API_KEY', `the API key ${displayKey(secret)} is not known`);
        const read: Cached = {
          id: row.id,
          orgId: row.org_id,
          kind: row.kind,
          display: row.display,
          expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
          // A deleted org's keys are revoked with it; one made while it was being
          // deleted (a race with the deletion's transaction) is refused all the same.
          revoked: row.revoked_at !== null || row.deleted_at !== null,
        };
        if (epoch === seen) {
          byHash.set(hash, read);
          hashById.set(read.id, hash);
          entry = read;
        } else if (attempt >= 2) {
          entry = read; // keep answering under a storm of changes, just don't cache
        }
      }
      const subject = { orgId: entry.orgId, keyId: entry.id };
      if (entry.revoked)
        return { ...fail('API_KEY_REVOKED', `the API key ${entry.display} was revoked`), subject };
      if (entry.expiresAt !== null && entry.expiresAt <= clock.now()) {
        return { ...fail('API_KEY_EXPIRED', `the API key ${entry.display} has expired`), subject };
      }
      const { revoked: _, ...key } = entry;
      return ok(key);
    },
    touch: (id) => void touched.add(id),
    recheck,
    async close() {
      clearInterval(recheckTimer);
      clearInterval(touchTimer);
      await flushTouches().catch(() => undefined);
    },
    get size() {
      return byHash.size;
    },
  };
}
