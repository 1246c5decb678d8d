import { MODEL_REF_RULE, parseModelRef } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { fail, ok, type Result } from '../services/result.js';
import type { ModelRow } from './schema.js';

/** What a model reference comes to for one caller. */
export interface ResolvedModel {
  name: string;
  /** The version asked for, or the default's; undefined for a built-in named bare. */
  version: string | undefined;
  /** `name@version` when a version is known, else the name: what grants are checked against. */
  ref: string;
  /** The partner model's row; undefined for a built-in. */
  model: ModelRow | undefined;
}

/** Whether `orgId`'s tokens may name `model`: its own, public, or listed on it. */
export async function mayUse(
  db: Kysely<Database>,
  model: Pick<ModelRow, 'id' | 'org_id' | 'visibility'>,
  orgId: string,
): Promise<boolean> {
  if (model.org_id === orgId || model.visibility === 'public') return true;
  const listed = await db
    .selectFrom('model_access')
    .select('org_id')
    .where('model_id', '=', model.id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return listed !== undefined;
}

/**
 * Whether the caller's org may use `ref`, and which version it means. Built-in names
 * (no `/`) pass through, served by runtimes as always. A partner model must exist
 * (MODEL_NOT_FOUND), be the caller's own, public, or list the caller's org
 * (MODEL_NOT_ALLOWED), and the version (asked for, or the default) must be published
 * (MODEL_VERSION_NOT_FOUND) and not retired (MODEL_RETIRED).
 */
export async function resolveModelRef(
  db: Kysely<Database>,
  ref: string,
  callerOrgId: string,
): Promise<Result<ResolvedModel>> {
  const parsed = parseModelRef(ref);
  if (!parsed) return fail('INVALID_REQUEST', `model: ${MODEL_REF_RULE}`);
  if (!parsed.name.includes('/'))
    return ok({ name: parsed.name, version: parsed.version, ref, model: undefined });
  const model = await db
    .selectFrom('models')
    .selectAll()
    .where('name', '=', parsed.name)
    .executeTakeFirst();
  if (!model) return fail('MODEL_NOT_FOUND', `no model "${parsed.name}" is registered`);
  if (!(await mayUse(db, model, callerOrgId)))
    return fail(
      'MODEL_NOT_ALLOWED',
      `model "${parsed.name}" is private, and its owner has not listed this org on it`,
    );
  const version = parsed.version ?? model.default_version;
  if (version === null)
    return fail('MODEL_VERSION_NOT_FOUND', `model "${parsed.name}" has no published version yet`);
  const row = await db
    .selectFrom('model_versions')
    .select('retired_at')
    .where('model_id', '=', model.id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row)
    return fail('MODEL_VERSION_NOT_FOUND', `model "${parsed.name}" has no version "${version}"`);
  if (row.retired_at !== null)
    return fail('MODEL_RETIRED', `version "${version}" of "${parsed.name}" is retired`);
  return ok({ name: parsed.name, version, ref: `${parsed.name}@${version}`, model });
}
