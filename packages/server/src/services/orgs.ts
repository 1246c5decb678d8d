import { randomBytes } from 'node:crypto';
import { isId, newId, SLUG_PATTERN, toStorableText } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database, OrgRow } from '../db/schema.js';
import { auditInTransaction } from './audit.js';
import type { RequestContext } from './caller.js';
import type { Clock } from './clock.js';
import { fail, ok, type Result } from './result.js';

export interface Org {
  id: string;
  name: string;
  slug: string;
  partner: boolean;
  createdAt: string;
}

export const toOrg = (r: OrgRow): Org => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  partner: r.partner,
  createdAt: new Date(r.created_at).toISOString(),
});

/** A URL-safe slug from any name, unicode included ("Café Ünïcode" → "cafe-unicode"). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  // A name with no latin letters or digits (emoji, CJK) still gets a unique-enough slug.
  return slug || `org-${randomBytes(3).toString('hex')}`;
}

// Core holds the rule, so the dashboard's inputs ask for what the server accepts.
export { SLUG_PATTERN };

export interface CreateOrgInput {
  name: string;
  slug?: string | undefined;
  partner?: boolean | undefined;
  actor: string;
  /** A user who becomes the org's first owner, in the same transaction. */
  owner?: string | undefined;
  ctx?: RequestContext | undefined;
}

export async function createOrg(
  db: Kysely<Database>,
  clock: Clock,
  input: CreateOrgInput,
): Promise<Result<Org>> {
  const name = input.name.trim();
  if (!name || name.length > 200)
    return fail('INVALID_REQUEST', 'name: must be 1 to 200 characters');
  const slug = input.slug ?? slugify(name);
  if (!SLUG_PATTERN.test(slug)) {
    return fail(
      'INVALID_REQUEST',
      'slug: lowercase letters, digits and dashes, 1 to 48 characters',
    );
  }
  const taken = await db
    .selectFrom('orgs')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirst();
  if (taken)
    return fail('CONFLICT', `slug: an org with slug "${slug}" exists; pass another with --slug`);
  const row: OrgRow = {
    id: newId('org', clock.now()),
    name,
    slug,
    partner: input.partner ?? false,
    created_at: new Date(clock.now()),
    deleted_at: null,
  };
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('orgs').values(row).execute();
      if (input.owner) {
        await trx
          .insertInto('memberships')
          .values({
            org_id: row.id,
            user_id: input.owner,
            role: 'owner',
            created_at: row.created_at,
            updated_at: row.created_at,
          })
          .execute();
      }
      await auditInTransaction(trx, clock, {
        ip: input.ctx?.ip ?? null,
        userAgent: input.ctx?.userAgent ?? null,
        requestId: input.ctx?.requestId ?? null,
        orgId: row.id,
        action: 'org.created',
        actor: input.actor,
        target: row.id,
        outcome: 'ok',
        data: { name, slug, partner: row.partner },
      });
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      return fail('CONFLICT', `slug: an org with slug "${slug}" exists`);
    throw error;
  }
  return ok(toOrg(row));
}

/** Finds an org by id (`org_…`) or slug. */
export async function findOrg(db: Kysely<Database>, ref: string): Promise<Result<Org>> {
  // Anything that is neither an id nor a slug names no org (and never reaches the query).
  const byId = isId('org', ref);
  if (!byId && !SLUG_PATTERN.test(ref))
    return fail('NOT_FOUND', `org "${toStorableText(String(ref).slice(0, 64))}" not found`);
  const row = await db
    .selectFrom('orgs')
    .selectAll()
    .where(byId ? 'id' : 'slug', '=', ref)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? ok(toOrg(row)) : fail('NOT_FOUND', `org "${ref.slice(0, 64)}" not found`);
}
