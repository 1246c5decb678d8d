import { randomBytes, randomInt } from 'node:crypto';
import { newId } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso } from '../db/timestamps.js';
import { type ApiKey, createApiKey, type KeyDeps } from '../services/api-keys.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import { type Org, toOrg } from '../services/orgs.js';
import { type Failure, fail, ok, type Result } from '../services/result.js';
import type { SecretBox } from '../services/secret-box.js';
import type { DeviceCodesTable } from './device-codes-schema.js';
import { auditAction } from './memberships.js';

// Device sign-in in the shape of RFC 8628: the CLI asks for a code pair, shows the user
// code, and polls with the device code; a signed-in person approves in the browser, which
// creates a partner key whose secret waits, sealed, for the one poll that takes it.

export const DEVICE_CODE_SECONDS = 600;
export const POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_STEP = 5;
const MAX_INTERVAL_SECONDS = 60;
/** Consonants without look-alikes (no vowels: no words; no 0/O, 1/I). */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** Spent and expired rows are kept this long (the sealed secret of an unclaimed key goes with them). */
const KEEP_EXPIRED_MS = 3600_000;

export interface DeviceDeps {
  db: Kysely<Database>;
  clock: Clock;
  box: SecretBox;
  bus: KeyDeps['bus'];
}

type Row = Selectable<DeviceCodesTable>;

export type DeviceState = 'pending' | 'approved' | 'denied';

/** What the approval page shows: never a secret. */
export interface DeviceRequest {
  userCode: string;
  clientName: string | null;
  clientIp: string | null;
  createdAt: string;
  expiresAt: string;
  state: DeviceState;
}

/** `BCDFGHJK` → `BCDF-GHJK`. */
export const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * A user code as people type it (any case, with or without the dash or spaces), or
 * null when it cannot be one.
 */
export function normalUserCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  return [...code].every((ch) => USER_CODE_ALPHABET.includes(ch)) ? code : null;
}

const newUserCode = () =>
  Array.from(
    { length: USER_CODE_LENGTH },
    () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
  ).join('');

const stateOf = (r: Row): DeviceState =>
  r.approved_at ? 'approved' : r.denied_at ? 'denied' : 'pending';

const toRequest = (r: Row): DeviceRequest => ({
  userCode: formatUserCode(r.user_code),
  clientName: r.client_name,
  clientIp: r.client_ip,
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
  state: stateOf(r),
});

const expired = (r: Row, now: number) => new Date(r.expires_at).getTime() <= now;

export interface NewDeviceCode {
  deviceCode: string;
  userCode: string;
  expiresIn: number;
  interval: number;
}

/** A new code pair, valid 10 minutes. The device code is in the result once; only its hash is kept. */
export async function createDeviceCode(
  deps: DeviceDeps,
  input: { clientName?: string | undefined; ip?: string | null | undefined },
): Promise<NewDeviceCode> {
  const now = deps.clock.now();
  await deps.db
    .deleteFrom('device_codes')
    .where('expires_at', '<', new Date(now - KEEP_EXPIRED_MS))
    .execute();
  let userCode = newUserCode();
  // 20^8 codes: a clash with a live one is rare, but a clash would hand one person's
  // approval to another's CLI, so look before taking it (the unique index backs this).
  for (let tries = 0; tries < 5; tries++) {
    const taken = await deps.db
      .selectFrom('device_codes')
      .select('id')
      .where('user_code', '=', userCode)
      .executeTakeFirst();
    if (!taken) break;
    userCode = newUserCode();
  }
  const deviceCode = randomBytes(32).toString('base64url');
  await deps.db
    .insertInto('device_codes')
    .values({
      id: newId('dvc', now),
      device_code_hash: hashKey(deviceCode),
      user_code: userCode,
      client_name: input.clientName ?? null,
      client_ip: input.ip ?? null,
      created_at: new Date(now),
      expires_at: new Date(now + DEVICE_CODE_SECONDS * 1000),
      interval_seconds: POLL_INTERVAL_SECONDS,
      last_polled_at: null,
      approved_at: null,
      denied_at: null,
      decided_by: null,
      org_id: null,
      key_id: null,
      key_secret_sealed: null,
      consumed_at: null,
    })
    .execute();
  return {
    deviceCode,
    userCode: formatUserCode(userCode),
    expiresIn: DEVICE_CODE_SECONDS,
    interval: POLL_INTERVAL_SECONDS,
  };
}

const unknownCode = (text: string) =>
  fail(
    'NOT_FOUND',
    `no sign-in code "${text.slice(0, 20)}" is waiting (it may have expired); run latchkey auth login again`,
  );

/** The live request behind a user code; expired or unknown: NOT_FOUND. */
export async function findDeviceRequest(
  deps: Pick<DeviceDeps, 'db' | 'clock'>,
  userCode: string,
): Promise<Result<DeviceRequest>> {
  const code = normalUserCode(userCode);
  if (!code) return unknownCode(userCode);
  const row = await deps.db
    .selectFrom('device_codes')
    .selectAll()
    .where('user_code', '=', code)
    .executeTakeFirst();
  if (!row || expired(row, deps.clock.now())) return unknownCode(userCode);
  return ok(toRequest(row));
}

export interface Decider {
  userId: string;
  ctx?: RequestContext | undefined;
}

/**
 * Approves a pending code for `orgId` (the caller has checked the person's role there):
 * creates the partner key `cli on <host>` and seals its secret for the CLI, with
 * `key.created` and `device.approved` in one transaction.
 */
export async function approveDeviceCode(
  deps: DeviceDeps,
  decider: Decider,
  input: { userCode: string; orgId: string },
): Promise<Result<{ request: DeviceRequest; key: ApiKey }>> {
  const code = normalUserCode(input.userCode);
  if (!code) return unknownCode(input.userCode);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('device_codes')
      .selectAll()
      .where('user_code', '=', code)
      .forUpdate()
      .executeTakeFirst();
    if (!row || expired(row, now)) return unknownCode(input.userCode);
    if (stateOf(row) !== 'pending')
      return fail('CONFLICT', `this sign-in was already ${stateOf(row)}`);
    const actor = `user:${decider.userId}`;
    const created = await createApiKey(
      deps,
      {
        org: input.orgId,
        kind: 'partner',
        name: `cli on ${row.client_name ?? 'unknown host'}`,
        actor,
        ctx: decider.ctx,
      },
      trx,
    );
    if (!created.ok) return created;
    const { key, secret } = created.value;
    const updated = await trx
      .updateTable('device_codes')
      .set({
        approved_at: new Date(now),
        decided_by: actor,
        org_id: key.orgId,
        key_id: key.id,
        key_secret_sealed: deps.box.seal(Buffer.from(secret, 'utf8')),
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditAction(trx, deps.clock, decider, {
      orgId: key.orgId,
      action: 'device.approved',
      target: row.id,
      data: { keyId: key.id, clientName: row.client_name, clientIp: row.client_ip },
    });
    return ok({ request: toRequest(updated), key });
  });
}

/** Declines a pending code: the CLI's next poll answers DEVICE_ACCESS_DENIED. */
export async function denyDeviceCode(
  deps: Pick<DeviceDeps, 'db' | 'clock'>,
  decider: Decider,
  input: { userCode: string },
): Promise<Result<DeviceRequest>> {
  const code = normalUserCode(input.userCode);
  if (!code) return unknownCode(input.userCode);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('device_codes')
      .selectAll()
      .where('user_code', '=', code)
      .forUpdate()
      .executeTakeFirst();
    if (!row || expired(row, now)) return unknownCode(input.userCode);
    if (stateOf(row) !== 'pending')
      return fail('CONFLICT', `this sign-in was already ${stateOf(row)}`);
    const updated = await trx
      .updateTable('device_codes')
      .set({ denied_at: new Date(now), decided_by: `user:${decider.userId}` })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditAction(trx, deps.clock, decider, {
      orgId: null,
      action: 'device.denied',
      target: row.id,
      data: { clientName: row.client_name, clientIp: row.client_ip },
    });
    return ok(toRequest(updated));
  });
}

export interface DeviceToken {
  apiKey: string;
  keyId: string;
  org: Pick<Org, 'id' | 'slug' | 'name'>;
}

/** A refused poll; `retryAfter` (seconds) with DEVICE_SLOW_DOWN. */
export type PollFailure = Failure & { retryAfter?: number };

/**
 * One poll of the CLI. Pending, too soon, denied, expired or spent: a failure with its
 * code. Approved: the key's secret, exactly once (the row forgets it in the same
 * transaction).
 */
export async function pollDeviceCode(
  deps: DeviceDeps,
  deviceCode: string,
): Promise<{ ok: true; value: DeviceToken } | PollFailure> {
  const now = deps.clock.now();
  const gone = (why: string) =>
    fail('DEVICE_CODE_EXPIRED', `this sign-in code ${why}; run latchkey auth login again`);
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('device_codes')
      .selectAll()
      .where('device_code_hash', '=', hashKey(deviceCode))
      .forUpdate()
      .executeTakeFirst();
    if (!row) return gone('is unknown');
    if (row.consumed_at) return gone('was already used');
    if (expired(row, now)) {
      if (row.key_secret_sealed)
        await trx
          .updateTable('device_codes')
          .set({ key_secret_sealed: null })
          .where('id', '=', row.id)
          .execute();
      return gone('has expired');
    }
    if (row.denied_at)
      return fail('DEVICE_ACCESS_DENIED', 'the sign-in was declined in the browser');
    if (row.approved_at && row.key_secret_sealed && row.key_id && row.org_id) {
      const secret = deps.box.open(row.key_secret_sealed).toString('utf8');
      await trx
        .updateTable('device_codes')
        .set({ key_secret_sealed: null, consumed_at: new Date(now), last_polled_at: new Date(now) })
        .where('id', '=', row.id)
        .execute();
      const org = await trx
        .selectFrom('orgs')
        .selectAll()
        .where('id', '=', row.org_id)
        .executeTakeFirstOrThrow();
      const { id, slug, name } = toOrg(org);
      return ok({ apiKey: secret, keyId: row.key_id, org: { id, slug, name } });
    }
    const last = row.last_polled_at ? new Date(row.last_polled_at).getTime() : null;
    if (last !== null && now - last < row.interval_seconds * 1000) {
      const interval = Math.min(row.interval_seconds + SLOW_DOWN_STEP, MAX_INTERVAL_SECONDS);
      await trx
        .updateTable('device_codes')
        .set({ interval_seconds: interval, last_polled_at: new Date(now) })
        .where('id', '=', row.id)
        .execute();
      return {
        ...fail('DEVICE_SLOW_DOWN', `polled too soon; poll every ${interval} s from now on`),
        retryAfter: interval,
      };
    }
    await trx
      .updateTable('device_codes')
      .set({ last_polled_at: new Date(now) })
      .where('id', '=', row.id)
      .execute();
    return fail(
      'DEVICE_AUTHORIZATION_PENDING',
      `waiting for someone to approve the code ${formatUserCode(row.user_code)}`,
    );
  });
}
