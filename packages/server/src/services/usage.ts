import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export interface UsageDay {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  tokensMinted: number;
  sessionsStarted: number;
  /** Minutes of sessions open within the day; an open session counts up to now. */
  sessionMinutes: number;
  jobs: number;
  failedAuths: number;
}

export interface UsageQuery {
  orgId: string;
  /** First day, midnight UTC. */
  from: Date;
  /** Last day (inclusive), midnight UTC. */
  to: Date;
  /** Only what this key did (tokens it minted, sessions and jobs it opened, failures naming it). */
  keyId?: string | undefined;
  now: number;
}

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Audit actions that usage counts, by the field they feed. */
const COUNTED = {
  'token.minted': 'tokensMinted',
  'job.submitted': 'jobs',
  'auth.failed': 'failedAuths',
} as const;

/**
 * An org's usage per UTC day, every day of the range present (zero when nothing
 * happened): counts from audit rows, sessions and their minutes from the sessions table.
 */
export async function usageByDay(db: Kysely<Database>, q: UsageQuery): Promise<UsageDay[]> {
  const start = new Date(Math.floor(q.from.getTime() / DAY_MS) * DAY_MS);
  const last = new Date(Math.floor(q.to.getTime() / DAY_MS) * DAY_MS);
  const end = new Date(last.getTime() + DAY_MS);
  const days = new Map<string, UsageDay>();
  for (let t = start.getTime(); t < end.getTime(); t += DAY_MS) {
    const day = dayOf(new Date(t));
    days.set(day, {
      day,
      tokensMinted: 0,
      sessionsStarted: 0,
      sessionMinutes: 0,
      jobs: 0,
      failedAuths: 0,
    });
  }
  const key = q.keyId;

  let audit = db
    .selectFrom('audit_events')
    .select([
      sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
      'action',
      sql<string>`count(*)`.as('n'),
    ])
    .where('org_id', '=', q.orgId)
    .where('at', '>=', start)
    .where('at', '<', end)
    .where('action', 'in', Object.keys(COUNTED));
  if (key)
    audit = audit.where((eb) =>
      eb.or([
        eb('target', '=', key),
        eb('actor', '=', key),
        eb(sql<string>`data->>'keyId'`, '=', key),
      ]),
    );
  for (const r of await audit.groupBy(['day', 'action']).execute()) {
    const field = COUNTED[r.action as keyof typeof COUNTED];
    const d = days.get(r.day);
    if (d && field) d[field] += Number(r.n);
  }

  let started = db
    .selectFrom('sessions')
    .select([
      sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
      sql<string>`count(*)`.as('n'),
    ])
    .where('org_id', '=', q.orgId)
    .where('created_at', '>=', start)
    .where('created_at', '<', end);
  if (key) started = started.where('key_id', '=', key);
  for (const r of await started.groupBy('day').execute()) {
    const d = days.get(r.day);
    if (d) d.sessionsStarted += Number(r.n);
  }

  // Each session's minutes go to the days it was open in: [created, closed or now).
  const now = new Date(q.now).toISOString();
  const minutes = await sql<{ day: string; seconds: string | number | null }>`
    select to_char(d at time zone 'UTC', 'YYYY-MM-DD') as day,
      sum(extract(epoch from (
        least(coalesce(s.closed_at, ${now}::timestamptz), d + interval '1 day') - greatest(s.created_at, d)
      ))) as seconds
    from generate_series(${start.toISOString()}::timestamptz, ${last.toISOString()}::timestamptz, interval '1 day') as d
    join sessions s
      on s.org_id = ${q.orgId}
      and s.created_at < d + interval '1 day'
      and coalesce(s.closed_at, ${now}::timestamptz) > d
      ${key ? sql`and s.key_id = ${key}` : sql``}
    group by 1`.execute(db);
  for (const r of minutes.rows) {
    const d = days.get(r.day);
    if (d) d.sessionMinutes = Math.round((Number(r.seconds ?? 0) / 60) * 100) / 100;
  }
  return [...days.values()];
}
