import { z } from 'zod';
import { usageByDay } from '../../services/usage.js';
import { requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { IsoTime, NO_STORE, readQuery } from './management-schemas.js';

export const MAX_USAGE_DAYS = 366;
const DAY_MS = 86_400_000;

export const UsageQuery = z.object({
  from: IsoTime.optional().describe('first day (UTC); default 29 days before to'),
  to: IsoTime.optional().describe('last day (UTC), included; default today'),
  key: z.string().min(1).max(200).optional().describe('only what this key id did'),
});

const UsageDaySchema = z.object({
  day: z.string(),
  tokensMinted: z.number(),
  sessionsStarted: z.number(),
  sessionMinutes: z.number(),
  jobs: z.number(),
  failedAuths: z.number(),
});

export const UsageSchema = z
  .object({ from: z.string(), to: z.string(), days: z.array(UsageDaySchema) })
  .meta({ id: 'Usage' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/usage',
  operationId: 'getUsage',
  summary:
    "An org's usage per UTC day: tokens minted, sessions, session minutes, jobs, failed authentications",
  description: `Every day from \`from\` to \`to\` is listed, zeros included; at most ${MAX_USAGE_DAYS} days.`,
  auth: 'session',
  query: UsageQuery,
  responses: {
    200: { description: 'Usage per day, oldest first', schema: UsageSchema },
    400: { description: 'INVALID_REQUEST (from, to, key; a range over 366 days)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND' },
  },
};

const midnight = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS);

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const q = readQuery(c, UsageQuery);
    const to = midnight((q.to ?? new Date(p.clock.now())).getTime());
    const from = midnight((q.from ?? new Date(to.getTime() - 29 * DAY_MS)).getTime());
    if (from > to) throw new HttpError('INVALID_REQUEST', 'from: must not be after to');
    if ((to.getTime() - from.getTime()) / DAY_MS + 1 > MAX_USAGE_DAYS)
      throw new HttpError(
        'INVALID_REQUEST',
        `from: the range may span at most ${MAX_USAGE_DAYS} days`,
      );
    const { org } = await requireOrg(c, p, 'viewer');
    const days = await usageByDay(p.db, {
      orgId: org.id,
      from,
      to,
      keyId: q.key,
      now: p.clock.now(),
    });
    return c.json(
      { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), days },
      200,
      NO_STORE,
    );
  },
};
