import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso } from '../db/timestamps.js';
import type { ModelRow } from './schema.js';

/** One line of a model's log. */
export interface ModelEvent {
  seq: number;
  at: string;
  action: string;
  outcome: string;
  target: string | null;
  /** The acting key, user or runtime; null on another org's rows (an app's sessions). */
  actor: string | null;
  /** True when the row is the owner org's own (or a runtime's); false for an app org's. */
  own: boolean;
  data: Record<string, unknown>;
}

/** What an app org's row may show the model's owner: no ids, addresses or metadata of theirs. */
const SHARED_FIELDS = ['model', 'version', 'reason', 'runtimeId', 'message', 'code'] as const;

/**
 * The model's log, oldest first after `afterSeq`: the rows whose `data.model` names it
 * (`name` or `name@version`: sessions, jobs, refusals, publish, retire) or whose
 * `data.models` lists it (runtime joins and leaves). Rows of other orgs (apps using the
 * model) are shown without their actor, addresses or metadata.
 */
export async function modelEvents(
  db: Kysely<Database>,
  model: Pick<ModelRow, 'name' | 'org_id'>,
  page: { afterSeq?: number | undefined; limit: number },
): Promise<{ events: ModelEvent[]; next: number | null; more: boolean }> {
  const name = model.name;
  const prefix = `${name}@`;
  let q = db
    .selectFrom('audit_events')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb(sql<string>`data->>'model'`, '=', name),
        eb(sql<string>`left(data->>'model', ${prefix.length})`, '=', prefix),
        eb(sql<boolean>`(data->'models') @> ${JSON.stringify([name])}::jsonb`, '=', true),
        // Runtime joins and leaves list their models as `{name, version?, state?}`.
        eb(sql<boolean>`(data->'models') @> ${JSON.stringify([{ name }])}::jsonb`, '=', true),
      ]),
    );
  if (page.afterSeq !== undefined) q = q.where('seq', '>', page.afterSeq);
  const rows = await q.orderBy('seq', 'asc').limit(page.limit).execute();
  const events = rows.map((r): ModelEvent => {
    const data = (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<
      string,
      unknown
    >;
    const own = r.org_id === null || r.org_id === model.org_id;
    const shown = own
      ? data
      : Object.fromEntries(SHARED_FIELDS.filter((k) => k in data).map((k) => [k, data[k]]));
    return {
      seq: Number(r.seq),
      at: iso(r.at),
      action: r.action,
      outcome: r.outcome,
      target: own ? r.target : null,
      actor: own ? r.actor : null,
      own,
      data: shown,
    };
  });
  const last = events.at(-1);
  // `next` is what to pass as `after` for the rows that come later (also to follow the log).
  return {
    events,
    next: last ? last.seq : (page.afterSeq ?? null),
    more: events.length === page.limit,
  };
}
