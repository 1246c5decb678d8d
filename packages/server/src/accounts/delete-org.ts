import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { closeSessions } from '../realtime/close-sessions.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { fail, ok, type Result } from '../services/result.js';
import { type Acting, actorOf, auditAction } from './memberships.js';
import { hasRole, roleRequiredCode } from './roles.js';

export interface DeleteOrgDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
}

export interface DeletedOrg {
  orgId: string;
  keysRevoked: number;
  credentialsRevoked: number;
  sessionsEnded: number;
}

/** Revokes the org's active keys inside `trx`, a `key.revoked` row each. */
async function revokeOrgKeys(
  trx: Transaction<Database>,
  clock: Clock,
  acting: Acting,
  orgId: string,
): Promise<{ id: string }[]> {
  const now = new Date(clock.now());
  const keys = await trx
    .updateTable('api_keys')
    .set({ revoked_at: now, revoked_reason: 'org deleted', updated_at: now })
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'display'])
    .execute();
  for (const key of keys)
    await auditAction(trx, clock, acting, {
      orgId,
      action: 'key.revoked',
      target: key.id,
      data: { reason: 'org deleted', display: key.display },
    });
  return keys;
}

/**
 * Deletes an org (owners): in one transaction every active key is revoked, the
 * registry credentials it issued end, the org is marked deleted (it answers 404 from
 * then on; its audit trail stays), its memberships and pending invitations go, and
 * `org.deleted` is audited. Then every process hears of the revoked keys (the bus, as
 * revokeApiKey does) and the org's open realtime sessions end. The slug stays taken:
 * registry repositories are named by it, and a new org must not inherit its images.
 */
export async function deleteOrg(
  deps: DeleteOrgDeps,
  acting: Acting,
  input: { orgId: string },
): Promise<Result<DeletedOrg>> {
  if (!hasRole(acting.role, 'owner'))
    return fail(roleRequiredCode.owner, 'only an owner may delete an org');
  const { db, clock } = deps;
  const now = new Date(clock.now());
  const done = await db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('orgs')
      .set({ deleted_at: now })
      .where('id', '=', input.orgId)
      .where('deleted_at', 'is', null)
      .returning('slug')
      .executeTakeFirst();
    if (!marked) return fail('NOT_FOUND', `org "${input.orgId.slice(0, 64)}" not found`);
    const keys = await revokeOrgKeys(trx, clock, acting, input.orgId);
    const credentials = await trx
      .updateTable('registry_credentials')
      .set({ revoked_at: now, revoked_reason: 'org deleted' })
      .where('org_id', '=', input.orgId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    const members = await trx
      .deleteFrom('memberships')
      .where('org_id', '=', input.orgId)
      .returning('user_id')
      .execute();
    const invitations = await trx
      .deleteFrom('invitations')
      .where('org_id', '=', input.orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await auditAction(trx, clock, acting, {
      orgId: input.orgId,
      action: 'org.deleted',
      target: input.orgId,
      data: {
        slug: marked.slug,
        keysRevoked: keys.length,
        credentialsRevoked: credentials.length,
        membersRemoved: members.length,
        invitationsDeleted: invitations.length,
      },
    });
    return ok({ keyIds: keys.map((k) => k.id), credentialsRevoked: credentials.length });
  });
  if (!done.ok) return done;
  // A key created while the transaction ran (its insert does not wait for the org row)
  // escaped the revoke above: revoke stragglers now that the deletion is visible.
  const stragglers = await db
    .transaction()
    .execute((trx) => revokeOrgKeys(trx, clock, acting, input.orgId));
  const keyIds = [...done.value.keyIds, ...stragglers.map((k) => k.id)];
  for (const keyId of keyIds) await deps.bus.publish({ type: 'key-changed', keyId });
  const ended = await closeSessions(
    deps,
    (eb) => eb.and([eb('org_id', '=', input.orgId)]),
    'key_revoked',
    actorOf(acting),
  );
  return ok({
    orgId: input.orgId,
    keysRevoked: keyIds.length,
    credentialsRevoked: done.value.credentialsRevoked,
    sessionsEnded: ended.length,
  });
}
