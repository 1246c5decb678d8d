import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso, isoOrNull } from '../db/timestamps.js';
import type { Clock } from '../services/clock.js';
import type { Org } from '../services/orgs.js';
import { ok, type Result } from '../services/result.js';
import { findModel } from './models.js';
import type { ModelRow } from './schema.js';
import { announcementsByVersion, type VersionState, versionState } from './version-state.js';

export interface ModelVersionView {
  version: string;
  state: VersionState;
  default: boolean;
  image: string | null;
  imageDigest: string | null;
  weights: { version: string; manifestDigest: string | null; totalBytes: number | null } | null;
  resources: Record<string, unknown>;
  /** Online runtimes announcing this version, and what they say of it. */
  runtimes: Array<{ id: string; state: 'deploying' | 'ready' | 'failed' }>;
  failedMessage: string | null;
  failedAt: string | null;
  createdAt: string;
  retiredAt: string | null;
}

export interface ModelView {
  id: string;
  name: string;
  org: string;
  kind: 'realtime' | 'batch';
  description: string;
  visibility: 'public' | 'private';
  /** Slugs of the orgs (besides the owner) whose tokens may name it while private. */
  allowedOrgs: string[];
  defaultVersion: string | null;
  /** Newest first. */
  versions: ModelVersionView[];
  createdAt: string;
  updatedAt: string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** The models in full: versions with their derived states, weights, runtimes, access list. */
export async function modelViews(
  deps: { db: Kysely<Database>; clock: Clock },
  org: Org,
  models: ModelRow[],
): Promise<ModelView[]> {
  if (models.length === 0) return [];
  const ids = models.map((m) => m.id);
  const [versions, weights, access, runtimes] = await Promise.all([
    deps.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute(),
    deps.db
      .selectFrom('weights')
      .select(['model_id', 'version', 'manifest_digest', 'total_bytes'])
      .where('model_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute(),
    deps.db
      .selectFrom('model_access')
      .innerJoin('orgs', 'orgs.id', 'model_access.org_id')
      .select(['model_access.model_id', 'orgs.slug'])
      .where('model_access.model_id', 'in', ids)
      .orderBy('orgs.slug')
      .execute(),
    deps.db
      .selectFrom('runtimes')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('org_id', 'is', null), eb('org_id', '=', org.id)]))
      .execute(),
  ]);
  const now = deps.clock.now();
  return models.map((m) => {
    const announced = announcementsByVersion(
      runtimes,
      { name: m.name, orgId: m.org_id, defaultVersion: m.default_version },
      now,
    );
    return {
      id: m.id,
      name: m.name,
      org: org.slug,
      kind: m.kind,
      description: m.description,
      visibility: m.visibility,
      allowedOrgs: access.filter((a) => a.model_id === m.id).map((a) => a.slug),
      defaultVersion: m.default_version,
      versions: versions
        .filter((v) => v.model_id === m.id)
        .map((v) => {
          const here = announced.get(v.version) ?? [];
          const w = v.weights_version
            ? weights.find((x) => x.model_id === m.id && x.version === v.weights_version)
            : undefined;
          return {
            version: v.version,
            state: versionState({
              retired: v.retired_at !== null,
              failedAt: v.failed_at,
              announcements: here,
            }),
            default: v.version === m.default_version,
            image: v.image,
            imageDigest: v.image_digest,
            weights: v.weights_version
              ? {
                  version: v.weights_version,
                  manifestDigest: w?.manifest_digest ?? null,
                  totalBytes: w ? Number(w.total_bytes) : null,
                }
              : null,
            resources: json<Record<string, unknown>>(v.resources),
            runtimes: here.map((a) => ({ id: a.runtimeId, state: a.state ?? 'ready' })),
            failedMessage: v.failed_message,
            failedAt: isoOrNull(v.failed_at),
            createdAt: iso(v.created_at),
            retiredAt: isoOrNull(v.retired_at),
          };
        }),
      createdAt: iso(m.created_at),
      updatedAt: iso(m.updated_at),
    };
  });
}

/** The org's models, by name. */
export async function listModels(
  deps: { db: Kysely<Database>; clock: Clock },
  org: Org,
): Promise<ModelView[]> {
  const rows = await deps.db
    .selectFrom('models')
    .selectAll()
    .where('org_id', '=', org.id)
    .orderBy('name')
    .execute();
  return modelViews(deps, org, rows);
}

export async function getModel(
  deps: { db: Kysely<Database>; clock: Clock },
  org: Org,
  name: string,
): Promise<Result<ModelView>> {
  const found = await findModel(deps.db, org, name);
  if (!found.ok) return found;
  const [view] = await modelViews(deps, org, [found.value]);
  return ok(view as ModelView);
}
