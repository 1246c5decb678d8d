import type { ModelInfo } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RuntimeRow } from '../realtime/schema.js';
import type { Clock } from '../services/clock.js';
import { announcementsByVersion } from './version-state.js';

/** One entry of `GET /v1/models`: a built-in as its runtimes announce it, or a partner model. */
export interface CatalogEntry extends ModelInfo {
  /** The owner org's slug (partner models). */
  owner?: string;
  visibility?: 'public' | 'private';
  defaultVersion?: string | null;
  /** Published, unretired versions, newest first. */
  versions?: string[];
  /** The versions a runtime serves ready now. */
  liveVersions?: string[];
  /** Whether any runtime serves it now. */
  served?: boolean;
}

/**
 * What a caller's org may use: the built-ins live runtimes serve now, and the partner
 * models that are public, list the org, or are its own (served or not).
 */
export async function catalogFor(
  deps: { db: Kysely<Database>; clock: Clock },
  orgId: string,
  live: RuntimeRow[],
  builtIns: ModelInfo[],
): Promise<CatalogEntry[]> {
  const models = await deps.db
    .selectFrom('models')
    .innerJoin('orgs', 'orgs.id', 'models.org_id')
    .selectAll('models')
    .select('orgs.slug as owner')
    .where('orgs.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('models.visibility', '=', 'public'),
        eb('models.org_id', '=', orgId),
        eb(
          'models.id',
          'in',
          eb.selectFrom('model_access').select('model_id').where('org_id', '=', orgId),
        ),
      ]),
    )
    .execute();
  const versions = models.length
    ? await deps.db
        .selectFrom('model_versions')
        .select(['model_id', 'version'])
        .where(
          'model_id',
          'in',
          models.map((m) => m.id),
        )
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute()
    : [];
  const now = deps.clock.now();
  const partner: CatalogEntry[] = models.map((m) => {
    const published = versions.filter((v) => v.model_id === m.id).map((v) => v.version);
    const announced = announcementsByVersion(
      live,
      { name: m.name, orgId: m.org_id, defaultVersion: m.default_version },
      now,
    );
    const liveVersions = published.filter((v) =>
      (announced.get(v) ?? []).some((a) => (a.state ?? 'ready') === 'ready'),
    );
    return {
      name: m.name,
      kind: m.kind,
      description: m.description,
      owner: m.owner,
      visibility: m.visibility,
      defaultVersion: m.default_version,
      versions: published,
      liveVersions,
      served: liveVersions.length > 0,
    };
  });
  const builtIn: CatalogEntry[] = builtIns.filter((b) => !b.name.includes('/'));
  return [...builtIn, ...partner].sort((a, b) => a.name.localeCompare(b.name));
}
