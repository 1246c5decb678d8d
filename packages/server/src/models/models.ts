import { isModelName, MODEL_NAME_RULE, newId } from '@latchkey/core';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import { findOrg, type Org } from '../services/orgs.js';
import { fail, ok, type Result } from '../services/result.js';
import type { ModelRow } from './schema.js';

export interface ModelDeps {
  db: Kysely<Database>;
  clock: Clock;
}

/** Who acts, for the audit row. */
export interface ModelActor {
  actor: string;
  ctx?: RequestContext | undefined;
}

export interface RegisterModelInput extends ModelActor {
  /** The short name (`styler`), or the full one (`<org-slug>/styler`). */
  name: string;
  kind: 'realtime' | 'batch';
  description?: string | undefined;
  visibility?: 'public' | 'private' | undefined;
  /** Org slugs or ids whose tokens may name the model while it is private. */
  allowedOrgs?: string[] | undefined;
}

export interface UpdateModelInput extends ModelActor {
  description?: string | undefined;
  visibility?: 'public' | 'private' | undefined;
  allowedOrgs?: string[] | undefined;
  defaultVersion?: string | undefined;
}

/** `<org-slug>/<short>` from what a partner typed: a short name, or the full name in its own org. */
export function fullModelName(org: Org, name: string): Result<string> {
  const full = name.includes('/') ? name : `${org.slug}/${name}`;
  if (!full.startsWith(`${org.slug}/`))
    return fail(
      'INVALID_REQUEST',
      `name: "${name.slice(0, 120)}" is not in org "${org.slug}"; a model of this org is named ${org.slug}/NAME`,
    );
  if (!isModelName(full)) return fail('INVALID_REQUEST', `name: ${MODEL_NAME_RULE}`);
  return ok(full);
}

/** The model `{model}` names in `org` (short or full name); MODEL_NOT_FOUND otherwise. */
export async function findModel(
  db: Kysely<Database> | Transaction<Database>,
  org: Org,
  name: string,
): Promise<Result<ModelRow>> {
  const full = fullModelName(org, name);
  if (!full.ok)
    return fail('MODEL_NOT_FOUND', `no model "${name.slice(0, 120)}" in org "${org.slug}"`);
  const row = await db
    .selectFrom('models')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('name', '=', full.value)
    .executeTakeFirst();
  return row ? ok(row) : fail('MODEL_NOT_FOUND', `no model "${full.value}" in org "${org.slug}"`);
}

/** Org ids for `allowedOrgs` (slugs or ids); INVALID_REQUEST naming the first unknown one. */
async function allowedOrgIds(
  db: Kysely<Database>,
  owner: Org,
  refs: string[],
): Promise<Result<string[]>> {
  const ids = new Set<string>();
  for (const ref of refs) {
    const org = await findOrg(db, ref);
    if (!org.ok)
      return fail(
        'INVALID_REQUEST',
        `allowedOrgs: no org "${ref.slice(0, 64)}" (give a slug or an org id)`,
      );
    if (org.value.id !== owner.id) ids.add(org.value.id);
  }
  return ok([...ids]);
}

async function setAccess(
  trx: Transaction<Database>,
  clock: Clock,
  modelId: string,
  orgIds: string[],
  actor: string,
) {
  await trx.deleteFrom('model_access').where('model_id', '=', modelId).execute();
  if (orgIds.length)
    await trx
      .insertInto('model_access')
      .values(
        orgIds.map((org_id) => ({
          model_id: modelId,
          org_id,
          created_at: new Date(clock.now()),
          created_by: actor,
        })),
      )
      .execute();
}

/** Registers `<org-slug>/<name>` for a partner org, with its access list; audited in the same transaction. */
export async function registerModel(
  deps: ModelDeps,
  org: Org,
  input: RegisterModelInput,
): Promise<Result<ModelRow>> {
  if (!org.partner)
    return fail(
      'NOT_FOUND',
      `org "${org.slug}" is not a partner org: an instance admin marks partner orgs`,
    );
  const name = fullModelName(org, input.name);
  if (!name.ok) return name;
  const allowed = await allowedOrgIds(deps.db, org, input.allowedOrgs ?? []);
  if (!allowed.ok) return allowed;
  const now = new Date(deps.clock.now());
  const row: ModelRow = {
    id: newId('mdl', deps.clock.now()),
    org_id: org.id,
    name: name.value,
    kind: input.kind,
    description: input.description ?? '',
    visibility: input.visibility ?? 'private',
    default_version: null,
    created_at: now,
    created_by: input.actor,
    updated_at: now,
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('models').values(row).execute();
      await setAccess(trx, deps.clock, row.id, allowed.value, input.actor);
      await auditInTransaction(trx, deps.clock, {
        orgId: org.id,
        action: 'model.registered',
        actor: input.actor,
        target: row.name,
        outcome: 'ok',
        ...auditContext(input.ctx),
        data: {
          model: row.name,
          kind: row.kind,
          visibility: row.visibility,
          allowedOrgs: allowed.value,
        },
      });
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      return fail('MODEL_EXISTS', `model "${row.name}" is registered already`);
    throw error;
  }
  return ok(row);
}

/** Changes what PATCH may change; `defaultVersion` must be a published, unretired version. */
export async function updateModel(
  deps: ModelDeps,
  org: Org,
  name: string,
  input: UpdateModelInput,
): Promise<Result<ModelRow>> {
  const allowed =
    input.allowedOrgs === undefined
      ? undefined
      : await allowedOrgIds(deps.db, org, input.allowedOrgs);
  if (allowed && !allowed.ok) return allowed;
  return deps.db.transaction().execute(async (trx): Promise<Result<ModelRow>> => {
    const found = await findModel(trx, org, name);
    if (!found.ok) return found;
    const model = found.value;
    if (input.defaultVersion !== undefined) {
      const v = await trx
        .selectFrom('model_versions')
        .select(['version', 'retired_at'])
        .where('model_id', '=', model.id)
        .where('version', '=', input.defaultVersion)
        .executeTakeFirst();
      if (!v)
        return fail(
          'MODEL_VERSION_NOT_FOUND',
          `defaultVersion: model "${model.name}" has no version "${input.defaultVersion}"`,
        );
      if (v.retired_at !== null)
        return fail(
          'MODEL_RETIRED',
          `defaultVersion: version "${input.defaultVersion}" of "${model.name}" is retired`,
        );
    }
    const updated = await trx
      .updateTable('models')
      .set({
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.visibility !== undefined ? { visibility: input.visibility } : {}),
        ...(input.defaultVersion !== undefined ? { default_version: input.defaultVersion } : {}),
        updated_at: new Date(deps.clock.now()),
      })
      .where('id', '=', model.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (allowed) await setAccess(trx, deps.clock, model.id, allowed.value, input.actor);
    await auditInTransaction(trx, deps.clock, {
      orgId: org.id,
      action: 'model.updated',
      actor: input.actor,
      target: model.name,
      outcome: 'ok',
      ...auditContext(input.ctx),
      data: {
        model: model.name,
        description: input.description,
        visibility: input.visibility,
        allowedOrgs: allowed?.value,
        defaultVersion: input.defaultVersion,
      },
    });
    return ok(updated);
  });
}
