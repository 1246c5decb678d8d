import { newId } from '@latchkey/core';
import { createRegistryClient, OciError, readWeightsManifest } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import type { AuthorityDeps } from '../registry/registry-authority.js';
import { serverRegistryToken } from '../registry/registry-client.js';
import { auditContext, auditInTransaction } from '../services/audit.js';
import type { Org } from '../services/orgs.js';
import { fail, ok, type Result } from '../services/result.js';
import { findModel, type ModelActor } from './models.js';
import type { WeightsFile, WeightsRow } from './schema.js';

export type WeightsDeps = AuthorityDeps & { db: Kysely<Database>; config: ServerConfig };

/** A recorded weights version, as the API shows it. */
export interface WeightsView {
  model: string;
  version: string;
  /** HOST[:PORT] of the registry it is in (the platform's), or null when none is configured. */
  registry: string | null;
  repository: string;
  manifestDigest: string;
  totalBytes: number;
  fileCount: number;
  files: WeightsFile[];
  createdAt: string;
  createdBy: string;
}

const TIMEOUT_MS = 30_000;
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** `<org-slug>/weights/<short>`: where a model's weights live in the registry. */
export const weightsRepository = (modelName: string) => {
  const [org, short] = modelName.split('/') as [string, string];
  return `${org}/weights/${short}`;
};

function view(deps: WeightsDeps, model: string, r: WeightsRow): WeightsView {
  const files = json<WeightsFile[]>(r.files);
  return {
    model,
    version: r.version,
    registry: deps.config.registry ?? null,
    repository: r.repository,
    manifestDigest: r.manifest_digest,
    totalBytes: Number(r.total_bytes),
    fileCount: files.length,
    files,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

/** A registry client that signs its own tokens, with the actions the request's scope names. */
function registry(deps: WeightsDeps, host: string) {
  return createRegistryClient({
    registry: host,
    token: (scope) => {
      const [, name = '', actions = ''] = /^repository:(.+):([a-z,]+)$/.exec(scope) ?? [];
      return serverRegistryToken(deps, [
        {
          type: 'repository',
          name,
          actions: actions
            .split(',')
            .filter((a): a is 'pull' | 'push' | 'delete' => ['pull', 'push', 'delete'].includes(a)),
        },
      ]);
    },
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
  });
}

function registryFailure(host: string, error: unknown): Result<never> {
  if (!(error instanceof OciError)) throw error;
  if (error.code === 'REGISTRY_UNAUTHORIZED')
    return fail(
      'REGISTRY_UNAVAILABLE',
      `the registry at ${host} refused the server's own token: is its rootcertbundle the one latchkey admin registry config writes?`,
    );
  if (error.code === 'WEIGHTS_NOT_FOUND' || error.code === 'INVALID_REQUEST')
    return fail(error.code, error.message);
  return fail('REGISTRY_UNAVAILABLE', error.message);
}

const notFound = (model: string, version: string) =>
  fail('WEIGHTS_NOT_FOUND', `"${model}" has no weights version "${version.slice(0, 64)}"`);

async function liveRow(
  db: Kysely<Database>,
  modelId: string,
  version: string,
): Promise<WeightsRow | undefined> {
  return db
    .selectFrom('weights')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The model's weights versions (not deleted), newest first. */
export async function listWeights(
  deps: WeightsDeps,
  org: Org,
  name: string,
): Promise<Result<WeightsView[]>> {
  const model = await findModel(deps.db, org, name);
  if (!model.ok) return model;
  const rows = await deps.db
    .selectFrom('weights')
    .selectAll()
    .where('model_id', '=', model.value.id)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return ok(rows.map((r) => view(deps, model.value.name, r)));
}

/** One weights version with its files. */
export async function getWeights(
  deps: WeightsDeps,
  org: Org,
  name: string,
  version: string,
): Promise<Result<WeightsView>> {
  const model = await findModel(deps.db, org, name);
  if (!model.ok) return model;
  const row = await liveRow(deps.db, model.value.id, version);
  return row ? ok(view(deps, model.value.name, row)) : notFound(model.value.name, version);
}

/**
 * Records a pushed weights version: the server reads the manifest from the registry
 * itself (by digest, with a token it signs), checks it is a Latchkey weights artifact,
 * and stores its files and sizes; audited `weights.pushed` in the same transaction.
 */
export async function recordWeights(
  deps: WeightsDeps,
  org: Org,
  name: string,
  input: ModelActor & { version: string; manifestDigest: string },
): Promise<Result<WeightsView>> {
  const model = await findModel(deps.db, org, name);
  if (!model.ok) return model;
  const exists = () =>
    fail(
      'WEIGHTS_VERSION_EXISTS',
      `"${model.value.name}" already has weights version "${input.version}"; push under a new version, or delete that one first`,
    );
  if (await liveRow(deps.db, model.value.id, input.version)) return exists();
  const host = deps.config.registry;
  if (!host) return fail('REGISTRY_NOT_CONFIGURED', 'this platform fronts no container registry');
  const repository = weightsRepository(model.value.name);
  let files: WeightsFile[];
  try {
    const got = await registry(deps, host).getManifest(repository, input.manifestDigest);
    files = readWeightsManifest(got.manifest).map((f) => ({
      path: f.path,
      digest: f.digest,
      size: f.size,
    }));
  } catch (error) {
    const failed = registryFailure(host, error);
    if (!failed.ok && failed.code === 'WEIGHTS_NOT_FOUND')
      return fail(
        'WEIGHTS_NOT_FOUND',
        `manifestDigest: ${repository}@${input.manifestDigest} is not in the registry; push the weights first (latchkey model weights push)`,
      );
    if (!failed.ok && failed.code === 'INVALID_REQUEST')
      return fail('INVALID_REQUEST', `manifestDigest: ${failed.message}`);
    return failed;
  }
  const now = new Date(deps.clock.now());
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const row = {
    id: newId('wts', deps.clock.now()),
    org_id: org.id,
    model_id: model.value.id,
    version: input.version,
    repository,
    manifest_digest: input.manifestDigest,
    files: JSON.stringify(files),
    total_bytes: totalBytes,
    created_at: now,
    created_by: input.actor,
    deleted_at: null,
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('weights').values(row).execute();
      await auditInTransaction(trx, deps.clock, {
        orgId: org.id,
        action: 'weights.pushed',
        actor: input.actor,
        target: model.value.name,
        outcome: 'ok',
        ...auditContext(input.ctx),
        data: {
          model: model.value.name,
          version: input.version,
          digest: input.manifestDigest,
          bytes: totalBytes,
          files: files.length,
        },
      });
    });
  } catch (error) {
    // Another request recorded the same version a moment ago (the unique live index).
    if ((error as { code?: string }).code === '23505') return exists();
    throw error;
  }
  return ok(view(deps, model.value.name, { ...row, files: files as never, deleted_at: null }));
}

/**
 * Deletes a weights version: its manifest in the registry (by digest; kept while another
 * live version of the model has the same digest), then the record (`deleted_at`) with a
 * `weights.deleted` audit row. Weights that a published, unretired version runs with
 * are kept: CONFLICT naming that version.
 */
export async function deleteWeights(
  deps: WeightsDeps,
  org: Org,
  name: string,
  input: ModelActor & { version: string },
): Promise<Result<WeightsView>> {
  const model = await findModel(deps.db, org, name);
  if (!model.ok) return model;
  const row = await liveRow(deps.db, model.value.id, input.version);
  if (!row) return notFound(model.value.name, input.version);
  const users = await deps.db
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', model.value.id)
    .where('weights_version', '=', input.version)
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'asc')
    .execute();
  if (users.length)
    return fail(
      'CONFLICT',
      `weights "${input.version}" are in use by ${model.value.name} version ${users.map((u) => `"${u.version}"`).join(', ')}; retire ${users.length === 1 ? 'it' : 'them'} first (latchkey model retire)`,
    );
  const host = deps.config.registry;
  if (!host) return fail('REGISTRY_NOT_CONFIGURED', 'this platform fronts no container registry');
  const shared = await deps.db
    .selectFrom('weights')
    .select('id')
    .where('repository', '=', row.repository)
    .where('manifest_digest', '=', row.manifest_digest)
    .where('deleted_at', 'is', null)
    .where('id', '<>', row.id)
    .executeTakeFirst();
  let registryResult: 'deleted' | 'absent' | 'shared' = 'shared';
  if (!shared) {
    try {
      registryResult = await registry(deps, host).deleteManifest(
        row.repository,
        row.manifest_digest,
      );
    } catch (error) {
      return registryFailure(host, error);
    }
  }
  const now = new Date(deps.clock.now());
  const deleted = await deps.db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('weights')
      .set({ deleted_at: now })
      .where('id', '=', row.id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (done)
      await auditInTransaction(trx, deps.clock, {
        orgId: org.id,
        action: 'weights.deleted',
        actor: input.actor,
        target: model.value.name,
        outcome: 'ok',
        ...auditContext(input.ctx),
        data: {
          model: model.value.name,
          version: input.version,
          digest: row.manifest_digest,
          bytes: Number(row.total_bytes),
          registry: registryResult,
        },
      });
    return done;
  });
  if (!deleted) return notFound(model.value.name, input.version);
  return ok(view(deps, model.value.name, deleted));
}
