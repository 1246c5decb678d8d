import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso } from '../db/timestamps.js';
import { type AuditEvent, auditInTransaction } from '../services/audit.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import { type Org, toOrg } from '../services/orgs.js';
import { fail, ok, type Result } from '../services/result.js';
import { hasRole, type Role, roleRequiredCode } from './roles.js';

export interface MembershipDeps {
  db: Kysely<Database>;
  clock: Clock;
}

/** Who acts, for the audit row: `user:<id>`, their role in the org, and the request. */
export interface Acting {
  userId: string;
  /** Their role in this org; instance admins act as owners. */
  role: Role;
  ctx?: RequestContext | undefined;
}

export const actorOf = (a: Pick<Acting, 'userId'>) => `user:${a.userId}`;

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface OrgWithRole extends Org {
  /** The caller's role; null for an instance admin who is not a member. */
  role: Role | null;
}

/** An audit row inside `trx`, with the request's address, agent and id. */
export function auditAction(
  trx: Transaction<Database>,
  clock: Clock,
  acting: Pick<Acting, 'userId' | 'ctx'>,
  event: Omit<AuditEvent, 'actor' | 'ip' | 'userAgent' | 'requestId' | 'outcome'> & {
    outcome?: string;
  },
) {
  return auditInTransaction(trx, clock, {
    outcome: 'ok',
    ...event,
    actor: actorOf(acting),
    ip: acting.ctx?.ip ?? null,
    userAgent: acting.ctx?.userAgent ?? null,
    requestId: acting.ctx?.requestId ?? null,
  });
}

export async function roleIn(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<Role | null> {
  const row = await db
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

/** The orgs a user belongs to, with their role; every org for an instance admin. */
export async function orgsOf(
  db: Kysely<Database>,
  user: { id: string; instanceAdmin: boolean },
): Promise<OrgWithRole[]> {
  const rows = await db
    .selectFrom('orgs')
    .leftJoin('memberships', (j) =>
      j.onRef('memberships.org_id', '=', 'orgs.id').on('memberships.user_id', '=', user.id),
    )
    .selectAll('orgs')
    .select('memberships.role')
    .where('orgs.deleted_at', 'is', null)
    .$if(!user.instanceAdmin, (q) => q.where('memberships.user_id', '=', user.id))
    .orderBy('orgs.created_at')
    .limit(10_000)
    .execute();
  return rows.map((r) => ({ ...toOrg(r), role: r.role ?? null }));
}

export async function listMembers(db: Kysely<Database>, orgId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('auth_users', 'auth_users.id', 'memberships.user_id')
    .select([
      'memberships.user_id',
      'memberships.role',
      'memberships.created_at',
      'auth_users.email',
      'auth_users.name',
    ])
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.created_at')
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role,
    joinedAt: iso(r.created_at),
  }));
}

async function ownerCount(trx: Transaction<Database>, orgId: string): Promise<number> {
  // Lock the org's owner rows so two concurrent demotions cannot both see "another owner".
  const owners = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return owners.length;
}

/**
 * Changes a member's role. Admins change roles below owner (never to or from owner);
 * owners change any; the last owner cannot be demoted.
 */
export async function changeRole(
  deps: MembershipDeps,
  acting: Acting,
  input: { orgId: string; userId: string; role: Role },
): Promise<Result<Member>> {
  const { db, clock } = deps;
  const current = await roleIn(db, input.orgId, input.userId);
  if (!current) return fail('NOT_FOUND', `member "${input.userId.slice(0, 64)}" not found`);
  if ((current === 'owner' || input.role === 'owner') && !hasRole(acting.role, 'owner'))
    return fail(roleRequiredCode.owner, 'only an owner may make or unmake owners');
  const outcome = await db.transaction().execute(async (trx) => {
    if (current === 'owner' && input.role !== 'owner' && (await ownerCount(trx, input.orgId)) <= 1)
      return fail(
        'LAST_OWNER',
        'the last owner cannot be demoted; make another member an owner first',
      );
    await trx
      .updateTable('memberships')
      .set({ role: input.role, updated_at: new Date(clock.now()) })
      .where('org_id', '=', input.orgId)
      .where('user_id', '=', input.userId)
      .execute();
    await auditAction(trx, clock, acting, {
      orgId: input.orgId,
      action: 'member.role_changed',
      target: input.userId,
      data: { from: current, to: input.role },
    });
    return ok(undefined);
  });
  if (!outcome.ok) return outcome;
  const member = (await listMembers(db, input.orgId)).find((m) => m.userId === input.userId);
  return member ? ok(member) : fail('NOT_FOUND', 'member not found');
}

/**
 * Removes a member (or lets one leave: `acting.userId === userId`). Admins remove
 * members below owner; owners remove anyone; the last owner can neither leave nor
 * be removed.
 */
export async function removeMember(
  deps: MembershipDeps,
  acting: Acting,
  input: { orgId: string; userId: string },
): Promise<Result<{ userId: string; removed: true }>> {
  const { db, clock } = deps;
  const current = await roleIn(db, input.orgId, input.userId);
  if (!current) return fail('NOT_FOUND', `member "${input.userId.slice(0, 64)}" not found`);
  const leaving = acting.userId === input.userId;
  if (!leaving) {
    if (!hasRole(acting.role, 'admin'))
      return fail(roleRequiredCode.admin, 'removing members needs the admin role');
    if (current === 'owner' && !hasRole(acting.role, 'owner'))
      return fail(roleRequiredCode.owner, 'only an owner may remove an owner');
  }
  return db.transaction().execute(async (trx) => {
    if (current === 'owner' && (await ownerCount(trx, input.orgId)) <= 1)
      return fail(
        'LAST_OWNER',
        leaving
          ? 'the last owner cannot leave; make another member an owner first, or delete the org'
          : 'the last owner cannot be removed',
      );
    await trx
      .deleteFrom('memberships')
      .where('org_id', '=', input.orgId)
      .where('user_id', '=', input.userId)
      .execute();
    await auditAction(trx, clock, acting, {
      orgId: input.orgId,
      action: leaving ? 'member.left' : 'member.removed',
      target: input.userId,
      data: { role: current },
    });
    return ok({ userId: input.userId, removed: true as const });
  });
}

/** Adds a member inside `trx` (org creation, an accepted invitation). */
export async function addMember(
  trx: Transaction<Database>,
  clock: Clock,
  input: { orgId: string; userId: string; role: Role },
): Promise<void> {
  const at = new Date(clock.now());
  await trx
    .insertInto('memberships')
    .values({
      org_id: input.orgId,
      user_id: input.userId,
      role: input.role,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet({ role: input.role, updated_at: at }),
    )
    .execute();
}
