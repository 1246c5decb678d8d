// What a partner runtime may serve, and which version (with its weights) it should
// serve: read from the partner-model tables (models, model_versions, weights).
import { type ModelInfo, modelOrgSlug, parseModelRef } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { WeightsFile } from '../models/schema.js';
import { type Failure, fail, ok, type Result } from '../services/result.js';
import type { RuntimeRow } from './schema.js';

/** What `POST /v1/runtimes/resolve` answers: the version to serve, and its weights. */
export interface ResolvedModel {
  name: string;
  kind: 'realtime' | 'batch';
  description: string;
  version: string;
  weights: {
    /** The registry's HOST[:PORT]; null when the server fronts none. */
    registry: string | null;
    repository: string;
    manifestDigest: string;
    files: WeightsFile[];
  } | null;
}

const q = (s: string) => JSON.stringify(s.slice(0, 120));

async function orgSlug(db: Kysely<Database>, orgId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('orgs')
    .select('slug')
    .where('id', '=', orgId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.slug;
}

const notAllowed = (name: string, slug: string, why: string) =>
  fail(
    'RUNTIME_MODEL_NOT_ALLOWED',
    `this runtime belongs to org "${slug}" and may not serve ${q(name)}: ${why}`,
  );

/**
 * The model row `name` names for a runtime: for a partner runtime only its own org's
 * (a short name is taken as `<its-org-slug>/<name>`); an operator runtime (no org)
 * may name any partner model by its full name.
 */
async function modelFor(db: Kysely<Database>, runtime: RuntimeRow, name: string) {
  const orgId = runtime.org_id ?? null;
  if (orgId === null) {
    const row = await db
      .selectFrom('models')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? ok(row) : fail('MODEL_NOT_FOUND', `no partner model ${q(name)} is registered`);
  }
  const slug = (await orgSlug(db, orgId)) ?? '?';
  const full = modelOrgSlug(name) === undefined ? `${slug}/${name}` : name;
  if (modelOrgSlug(full) !== slug)
    return notAllowed(full, slug, `it is another org's model (only "${slug}/…")`);
  const row = await db
    .selectFrom('models')
    .selectAll()
    .where('name', '=', full)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row
    ? ok(row)
    : notAllowed(
        full,
        slug,
        `it is not registered (latchkey model create ${full.slice(slug.length + 1)} --kind …)`,
      );
}

/** A published version of `modelId`: MODEL_VERSION_NOT_FOUND, or MODEL_RETIRED when retired. */
async function versionOf(
  db: Kysely<Database>,
  model: { id: string; name: string },
  version: string,
) {
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('model_id', '=', model.id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row)
    return fail(
      'MODEL_VERSION_NOT_FOUND',
      `${q(model.name)} has no published version ${q(version)}`,
    );
  if (row.retired_at !== null)
    return fail('MODEL_RETIRED', `version ${q(version)} of ${q(model.name)} is retired`);
  return ok(row);
}

/**
 * Whether `runtime` may announce `models`. An operator runtime (no org) may announce
 * anything; a partner runtime only its own org's registered models, of the kind they
 * were registered as, each `version` a published one that is not retired.
 */
export async function announcedModelsRefusal(
  db: Kysely<Database>,
  runtime: RuntimeRow,
  models: ModelInfo[],
): Promise<Failure | undefined> {
  if ((runtime.org_id ?? null) === null) return undefined;
  const slug = (await orgSlug(db, runtime.org_id as string)) ?? '?';
  for (const m of models) {
    if (modelOrgSlug(m.name) === undefined)
      return notAllowed(m.name, slug, 'built-in models are served by the operator’s runtimes');
    const found = await modelFor(db, runtime, m.name);
    if (!found.ok) return found;
    if (found.value.kind !== m.kind)
      return notAllowed(m.name, slug, `it is registered as a ${found.value.kind} model`);
    if (m.version !== undefined) {
      const v = await versionOf(db, found.value, m.version);
      if (!v.ok) return v;
    }
  }
  return undefined;
}

/**
 * The version a runtime should serve of `model` (its default when none is asked for)
 * and where that version's weights are.
 */
export async function resolveRuntimeModel(
  deps: { db: Kysely<Database>; registry: string | null },
  runtime: RuntimeRow,
  input: { model: string; version?: string | undefined },
): Promise<Result<ResolvedModel>> {
  const { db } = deps;
  const ref = parseModelRef(input.model);
  if (!ref) return fail('INVALID_REQUEST', `model: ${q(input.model)} is not a model name`);
  const found = await modelFor(db, runtime, ref.name);
  if (!found.ok) return found;
  const model = found.value;
  const wanted = input.version ?? ref.version ?? model.default_version;
  if (wanted === null)
    return fail(
      'MODEL_VERSION_NOT_FOUND',
      `${q(model.name)} has no published version yet (latchkey model publish)`,
    );
  const version = await versionOf(db, model, wanted);
  if (!version.ok) return version;
  let weights: ResolvedModel['weights'] = null;
  const wv = version.value.weights_version;
  if (wv !== null) {
    const w = await db
      .selectFrom('weights')
      .selectAll()
      .where('model_id', '=', model.id)
      .where('version', '=', wv)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!w)
      return fail(
        'WEIGHTS_NOT_FOUND',
        `version ${q(wanted)} of ${q(model.name)} runs with weights ${q(wv)}, which are not pushed (or were deleted)`,
      );
    const files = typeof w.files === 'string' ? (JSON.parse(w.files) as WeightsFile[]) : w.files;
    weights = {
      registry: deps.registry,
      repository: w.repository,
      manifestDigest: w.manifest_digest,
      files: files.map((f) => ({ path: f.path, digest: f.digest, size: Number(f.size) })),
    };
  }
  return ok({
    name: model.name,
    kind: model.kind,
    description: model.description,
    version: wanted,
    weights,
  });
}
