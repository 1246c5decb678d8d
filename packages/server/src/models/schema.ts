import { type ColumnType, type Kysely, type Migration, type Selectable, sql } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/**
 * A partner's model: `name` is `<org-slug>/<short>` and never changes. `public` models
 * may be named by any org's tokens; `private` ones only by the orgs in `model_access`
 * (and the owner's own). Built-in models (`echo`, `render`) have no row: runtimes
 * announce them.
 */
export interface ModelsTable {
  id: string;
  org_id: string;
  /** `<org-slug>/<short>`. */
  name: string;
  kind: 'realtime' | 'batch';
  description: string;
  visibility: 'public' | 'private';
  /** The version a bare name means; null until one is published. */
  default_version: string | null;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
}

/** The orgs (besides its own) whose tokens may name a private model. */
export interface ModelAccessTable {
  model_id: string;
  org_id: string;
  created_at: Timestamp;
  created_by: string;
}

/**
 * One published version. Its state is not stored: `retired` when `retired_at` is set,
 * else what the org's runtimes report (`live` while one healthy runtime serves it
 * ready, `deploying` while one pulls its weights, `failed` when the last report was a
 * failure, `registered` otherwise).
 */
export interface ModelVersionsTable {
  id: string;
  model_id: string;
  version: string;
  /** The image reference as given, and the manifest digest it resolved to (pinned). */
  image: string | null;
  image_digest: string | null;
  /** The weights version this model version runs with (a `weights.version` of the same model). */
  weights_version: string | null;
  /** Free-form resource hints from latchkey.yaml (`gpu`, `memory`, …). */
  resources: Json<Record<string, unknown>>;
  created_at: Timestamp;
  created_by: string;
  retired_at: Timestamp | null;
  /** The last failure a runtime reported for this version, and when (cleared on a ready report). */
  failed_message: string | null;
  failed_at: Timestamp | null;
}

/** One file of a weights version: its path in the directory, its layer digest and size. */
export interface WeightsFile {
  path: string;
  digest: string;
  size: number;
}

/**
 * A pushed weights version: an OCI artifact (one layer per file) in the registry at
 * `repository` (`<org-slug>/weights/<short>`), tagged with `version`, pinned by
 * `manifest_digest`. A deleted version keeps its row (`deleted_at`) for the audit trail.
 */
export interface WeightsTable {
  id: string;
  org_id: string;
  model_id: string;
  version: string;
  repository: string;
  manifest_digest: string;
  files: Json<WeightsFile[]>;
  total_bytes: ColumnType<number, number, number>;
  created_at: Timestamp;
  created_by: string;
  deleted_at: Timestamp | null;
}

/** The partner-model tables, part of the one `Database` type (db/schema.ts). */
export interface ModelTables {
  models: ModelsTable;
  model_access: ModelAccessTable;
  model_versions: ModelVersionsTable;
  weights: WeightsTable;
}

export type ModelRow = Selectable<ModelsTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;
export type WeightsRow = Selectable<WeightsTable>;

export const modelsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('models')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('realtime', 'batch')`))
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) =>
        c.notNull().check(sql`visibility in ('public', 'private')`),
      )
      .addColumn('default_version', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('models_org').on('models').columns(['org_id', 'name']).execute();
    await db.schema
      .createTable('model_access')
      .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_access_pk', ['model_id', 'org_id'])
      .execute();
    await db.schema
      .createTable('model_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('image', 'text')
      .addColumn('image_digest', 'text')
      .addColumn('weights_version', 'text')
      .addColumn('resources', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'timestamptz')
      .addColumn('failed_message', 'text')
      .addColumn('failed_at', 'timestamptz')
      .addUniqueConstraint('model_versions_unique', ['model_id', 'version'])
      .execute();
    await db.schema
      .createTable('weights')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('files', 'jsonb', (c) => c.notNull())
      .addColumn('total_bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'timestamptz')
      .execute();
    // One live weights version per model and version string; a deleted one may be pushed again.
    await sql`create unique index weights_live on weights (model_id, version) where deleted_at is null`.execute(
      db,
    );
    // A partner runtime belongs to its org and serves only that org's models; null: the operator's.
    await db.schema
      .alterTable('runtimes')
      .addColumn('org_id', 'text', (c) => c.references('orgs.id'))
      .execute();
  },
};
