import { randomBytes } from 'node:crypto';
import { newId } from '@latchkey/core';
import { hashKey } from '@latchkey/core/node';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso } from '../db/timestamps.js';
import type { Clock } from '../services/clock.js';
import { fail, ok, type Result } from '../services/result.js';
import { type Acting, addMember, auditAction } from './memberships.js';
import { hasRole, type Role, roleRequiredCode } from './roles.js';
import type { InvitationsTable } from './schema.js';

export const INVITATION_SECONDS = 7 * 24 * 3600;

export interface Invitation {
  id: string;
  orgId: string;
  email: string | null;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  state: 'pending' | 'accepted' | 'expired' | 'revoked';
  acceptedBy: string | null;
}

interface Deps {
  db: Kysely<Database>;
  clock: Clock;
}

type Row = Selectable<InvitationsTable>;

function toInvitation(r: Row, now: number): Invitation {
  return {
    id: r.id,
    orgId: r.org_id,
    email: r.email,
    role: r.role,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    state: r.revoked_at
      ? 'revoked'
      : r.accepted_at
        ? 'accepted'
        : new Date(r.expires_at).getTime() <= now
          ? 'expired'
          : 'pending',
    acceptedBy: r.accepted_by,
  };
}

/** `inv_…` secret part of a link: 32 random bytes, base64url. Only its hash is stored. */
const newSecret = () => randomBytes(32).toString('base64url');

export const normalEmail = (email: string) => email.trim().toLowerCase();

/**
 * Creates an invitation link: single use, 7 days, optionally bound to an email. Admins
 * invite up to admin; only owners invite owners. The token is in the result once.
 */
export async function createInvitation(
  deps: Deps,
  acting: Acting,
  input: { orgId: string; role: Role; email?: string | undefined },
): Promise<Result<{ invitation: Invitation; token: string }>> {
  if (input.role === 'owner' && !hasRole(acting.role, 'owner'))
    return fail(roleRequiredCode.owner, 'only an owner may invite an owner');
  const now = deps.clock.now();
  const token = newSecret();
  const row = {
    id: newId('inv', now),
    org_id: input.orgId,
    token_hash: hashKey(token),
    email: input.email ? normalEmail(input.email) : null,
    role: input.role,
    created_by: `user:${acting.userId}`,
    created_at: new Date(now),
    expires_at: new Date(now + INVITATION_SECONDS * 1000),
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('invitations').values(row).execute();
    await auditAction(trx, deps.clock, acting, {
      orgId: input.orgId,
      action: 'invitation.created',
      target: row.id,
      data: { role: input.role, email: row.email },
    });
  });
  return ok({ invitation: toInvitation(row, now), token });
}

export async function listInvitations(deps: Deps, orgId: string): Promise<Invitation[]> {
  const rows = await deps.db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map((r) => toInvitation(r, deps.clock.now()));
}

export async function revokeInvitation(
  deps: Deps,
  acting: Acting,
  input: { orgId: string; id: string },
): Promise<Result<Invitation>> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('invitations')
      .set({ revoked_at: new Date(now) })
      .where('id', '=', input.id)
      .where('org_id', '=', input.orgId)
      .where('revoked_at', 'is', null)
      .where('accepted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) return fail('NOT_FOUND', `no pending invitation "${input.id.slice(0, 64)}"`);
    await auditAction(trx, deps.clock, acting, {
      orgId: input.orgId,
      action: 'invitation.revoked',
      target: row.id,
    });
    return ok(toInvitation(row, now));
  });
}

/** Why a token cannot be used, or the invitation it names. */
export async function usableInvitation(
  deps: Deps,
  token: string,
  email: string,
): Promise<Result<Invitation & { orgSlug: string }>> {
  const row = await deps.db
    .selectFrom('invitations')
    .innerJoin('orgs', 'orgs.id', 'invitations.org_id')
    .selectAll('invitations')
    .select('orgs.slug as org_slug')
    .where('token_hash', '=', hashKey(token))
    .where('orgs.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return fail('NOT_FOUND', 'no such invitation; check the link');
  const inv = toInvitation(row, deps.clock.now());
  if (inv.state !== 'pending')
    return fail('INVITATION_EXPIRED', `this invitation is ${inv.state}; ask for a new one`);
  if (inv.email && inv.email !== normalEmail(email))
    return fail(
      'INVITATION_EMAIL_MISMATCH',
      'this invitation is for another email address; sign in with that one',
    );
  return ok({ ...inv, orgSlug: row.org_slug });
}

/** Accepts an invitation for a signed-in user: single use, even when two accept at once. */
export async function acceptInvitation(
  deps: Deps,
  user: { id: string; email: string; ctx?: Acting['ctx'] },
  token: string,
): Promise<Result<{ orgId: string; orgSlug: string; role: Role }>> {
  const usable = await usableInvitation(deps, token, user.email);
  if (!usable.ok) return usable;
  const inv = usable.value;
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: new Date(now), accepted_by: user.id })
      .where('id', '=', inv.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date(now))
      .returning('id')
      .executeTakeFirst();
    if (!claimed)
      return fail('INVITATION_EXPIRED', 'this invitation was just used; ask for a new one');
    const existing = await trx
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', inv.orgId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    // Accepting never lowers a role someone already holds.
    const role = existing && hasRole(existing.role, inv.role) ? existing.role : inv.role;
    await addMember(trx, deps.clock, { orgId: inv.orgId, userId: user.id, role });
    await auditAction(
      trx,
      deps.clock,
      { userId: user.id, ctx: user.ctx },
      {
        orgId: inv.orgId,
        action: 'invitation.accepted',
        target: inv.id,
        data: { role },
      },
    );
    return ok({ orgId: inv.orgId, orgSlug: inv.orgSlug, role });
  });
}

/** What an invitation link offers, for the page that shows it (no secrets, no ids). */
export interface InvitationOffer {
  org: { name: string; slug: string };
  role: Role;
  email: string | null;
  expiresAt: string;
  state: Invitation['state'];
}

/** The offer behind a token, whatever its state; NOT_FOUND for an unknown token. */
export async function invitationOffer(deps: Deps, token: string): Promise<Result<InvitationOffer>> {
  const row = await deps.db
    .selectFrom('invitations')
    .innerJoin('orgs', 'orgs.id', 'invitations.org_id')
    .selectAll('invitations')
    .select(['orgs.name as org_name', 'orgs.slug as org_slug'])
    .where('token_hash', '=', hashKey(token))
    .where('orgs.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return fail('NOT_FOUND', 'no such invitation; check the link');
  const inv = toInvitation(row, deps.clock.now());
  return ok({
    org: { name: row.org_name, slug: row.org_slug },
    role: inv.role,
    email: inv.email,
    expiresAt: inv.expiresAt,
    state: inv.state,
  });
}
