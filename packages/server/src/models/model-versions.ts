import { newId } from '@latchkey/core';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AuthorityDeps } from '../registry/registry-authority.js';
import { manifestDigest } from '../registry/registry-client.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { Org } from '../services/orgs.js';
import { fail, ok, type Result } from '../services/result.js';
import { findModel, type ModelActor } from './models.js';
import type { ModelVersionRow } from './schema.js';

export interface PublishInput extends ModelActor {
  version: string;
  /** `HOST/<org-slug>/…:tag` or `…@sha256:…` in the platform's registry. */
  image?: string | undefined;
  /** A recorded weights version of this model. */
  weights?: string | undefined;
  resources?: Record<string, unknown> | undefined;
  /** Make it the default (the first version always is). */
  default?: boolean | undefined;
}

// distribution's reference grammar for the repository path, then :tag or @digest.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^(${COMPONENT}(?:/${COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127})|@(sha256:[a-f0-9]{64}))$`,
);

/**
 * The repository and tag (or digest) of an image reference, if it lies in `org`'s
 * namespace of the platform's registry (`HOST/<org-slug>/…`).
 */
export function parseImageRef(
  registry: string,
  org: Org,
  image: string,
): Result<{ repository: string; reference: string }> {
  const prefix = `${registry}/`;
  if (!image.startsWith(prefix))
    return fail(
      'IMAGE_NOT_FOUND',
      `image: "${image.slice(0, 200)}" is not in this platform's registry; push it to ${registry}/${org.slug}/NAME:TAG`,
    );
  const m = REFERENCE.exec(image.slice(prefix.length));
  if (!m)
    return fail(
      'INVALID_REQUEST',
      'image: must be HOST/<org-slug>/NAME:TAG or HOST/<org-slug>/NAME@sha256:DIGEST',
    );
  const repository = m[1] as string;
  if (!repository.startsWith(`${org.slug}/`))
    return fail(
      'IMAGE_NOT_FOUND',
      `image: ${repository} is not in org "${org.slug}"'s namespace (${registry}/${org.slug}/…)`,
    );
  return ok({ repository, reference: (m[2] ?? m[3]) as string });
}

/**
 * Publishes a version: its image (if any) resolved against the registry and pinned by
 * digest, its weights (if any) a recorded version of this model. The first version, or
 * one published with `default`, becomes the default. Versions never change.
 */
export async function publishVersion(
  deps: AuthorityDeps,
  org: Org,
  name: string,
  input: PublishInput,
): Promise<Result<ModelVersionRow>> {
  const found = await findModel(deps.db, org, name);
  if (!found.ok) return found;
  const model = found.value;
  let pinned: string | null = null;
  if (input.image !== undefined) {
    if (!deps.config.registry)
      return fail('REGISTRY_NOT_CONFIGURED', 'image: this platform fronts no container registry');
    const ref = parseImageRef(deps.config.registry, org, input.image);
    if (!ref.ok) return ref;
    const digest = await manifestDigest(deps, ref.value.repository, ref.value.reference);
    if (!digest.ok) return digest;
    pinned = digest.value;
  }
  const now = deps.clock.now();
  const row: ModelVersionRow = {
    id: newId('mdv', now),
    model_id: model.id,
    version: input.version,
    image: input.image ?? null,
    image_digest: pinned,
    weights_version: input.weights ?? null,
    resources: input.resources ?? {},
    created_at: new Date(now),
    created_by: input.actor,
    retired_at: null,
    failed_message: null,
    failed_at: null,
  };
  try {
    return await deps.db.transaction().execute(async (trx): Promise<Result<ModelVersionRow>> => {
      // The model row is locked so two publishes cannot both become the first default.
      const locked = await trx
        .selectFrom('models')
        .select('default_version')
        .where('id', '=', model.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const taken = await trx
        .selectFrom('model_versions')
        .select('id')
        .where('model_id', '=', model.id)
        .where('version', '=', input.version)
        .executeTakeFirst();
      if (taken)
        return fail(
          'MODEL_VERSION_EXISTS',
          `version "${input.version}" of "${model.name}" is published already`,
        );
      if (input.weights !== undefined) {
        const weights = await trx
          .selectFrom('weights')
          .select('id')
          .where('model_id', '=', model.id)
          .where('version', '=', input.weights)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!weights)
          return fail(
            'WEIGHTS_NOT_FOUND',
            `weights: "${model.name}" has no weights version "${input.weights}"`,
          );
      }
      await trx
        .insertInto('model_versions')
        .values({ ...row, resources: JSON.stringify(row.resources) })
        .execute();
      const makeDefault = input.default === true || locked.default_version === null;
      if (makeDefault)
        await trx
          .updateTable('models')
          .set({ default_version: input.version, updated_at: new Date(now) })
          .where('id', '=', model.id)
          .execute();
      await auditInTransaction(trx, deps.clock, {
        orgId: org.id,
        action: 'model.version_published',
        actor: input.actor,
        target: model.name,
        outcome: 'ok',
        ...auditContext(input.ctx),
        data: {
          model: model.name,
          version: input.version,
          image: row.image,
          imageDigest: pinned,
          weights: row.weights_version,
          default: makeDefault,
        },
      });
      return ok(row);
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      return fail(
        'MODEL_VERSION_EXISTS',
        `version "${input.version}" of "${model.name}" is published already`,
      );
    throw error;
  }
}

/** The newest unretired version of a model other than `except`, or null. */
async function newestUnretired(
  trx: Transaction<Database>,
  modelId: string,
  except: string,
): Promise<string | null> {
  const row = await trx
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', modelId)
    .where('retired_at', 'is', null)
    .where('version', '<>', except)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.version ?? null;
}

/**
 * Retires a version: tokens, sessions and jobs naming it are refused from now on. When it
 * was the default, the default moves to the newest unretired version (or none).
 * Retiring a retired version changes nothing.
 */
export async function retireVersion(
  deps: AuthorityDeps,
  org: Org,
  name: string,
  version: string,
  by: ModelActor,
): Promise<Result<{ version: ModelVersionRow; defaultVersion: string | null }>> {
  return deps.db.transaction().execute(async (trx) => {
    const found = await findModel(trx, org, name);
    if (!found.ok) return found;
    const model = found.value;
    await trx.selectFrom('models').select('id').where('id', '=', model.id).forUpdate().execute();
    const row = await trx
      .selectFrom('model_versions')
      .selectAll()
      .where('model_id', '=', model.id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row)
      return fail('MODEL_VERSION_NOT_FOUND', `model "${model.name}" has no version "${version}"`);
    const current = await trx
      .selectFrom('models')
      .select('default_version')
      .where('id', '=', model.id)
      .executeTakeFirstOrThrow();
    if (row.retired_at !== null)
      return ok({ version: row, defaultVersion: current.default_version });
    const now = new Date(deps.clock.now());
    const retired = await trx
      .updateTable('model_versions')
      .set({ retired_at: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    let defaultVersion = current.default_version;
    if (defaultVersion === version) {
      defaultVersion = await newestUnretired(trx, model.id, version);
      await trx
        .updateTable('models')
        .set({ default_version: defaultVersion, updated_at: now })
        .where('id', '=', model.id)
        .execute();
    }
    await auditInTransaction(trx, deps.clock, {
      orgId: org.id,
      action: 'model.version_retired',
      actor: by.actor,
      target: model.name,
      outcome: 'ok',
      ...auditContext(by.ctx),
      data: { model: model.name, version, defaultVersion },
    });
    return ok({ version: retired, defaultVersion });
  });
}
