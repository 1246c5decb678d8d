import { z } from 'zod';
import {
  type AuditFilter,
  auditPage,
  decodeAuditCursor,
  encodeAuditCursor,
  toAuditEvent,
} from '../../services/audit-query.js';
import type { OrgAccess } from '../account-session.js';
import { requireOrg } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { AuditEventSchema, IsoTime, NO_STORE, readQuery } from './management-schemas.js';

const short = z.string().min(1).max(200);

/** The filters the list and the export share. */
export const AuditFilterQuery = z.object({
  since: IsoTime.optional().describe('ISO 8601 date or time: rows at or after it'),
  until: IsoTime.optional().describe('ISO 8601 date or time: rows before it'),
  action: short.optional().describe('e.g. key.created'),
  actor: short.optional().describe('e.g. user:usr_…, cli:alice, key_…'),
  key: short.optional().describe('a key id: rows about it (target, actor or data.keyId)'),
});

export const ListAuditQuery = AuditFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional().describe('nextCursor of the page before'),
});

export const auditFilter = (
  access: OrgAccess,
  q: z.infer<typeof AuditFilterQuery>,
): AuditFilter => ({
  orgId: access.org.id,
  since: q.since,
  until: q.until,
  action: q.action,
  actor: q.actor,
  key: q.key,
});

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/audit',
  operationId: 'listAudit',
  summary: "An org's audit events, newest first, a page at a time",
  description:
    'Filters: since, until, action, actor, key. limit ≤ 500 (default 100). Pass nextCursor as cursor for the next page; it is null after the last.',
  auth: 'session',
  query: ListAuditQuery,
  responses: {
    200: {
      description: 'A page of events',
      schema: z.object({ data: z.array(AuditEventSchema), nextCursor: z.string().nullable() }),
    },
    400: { description: 'INVALID_REQUEST (names the query parameter)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const q = readQuery(c, ListAuditQuery);
    const beforeSeq = q.cursor === undefined ? undefined : decodeAuditCursor(q.cursor);
    if (q.cursor !== undefined && beforeSeq === undefined)
      throw new HttpError('INVALID_REQUEST', 'cursor: not a cursor this API gave out');
    const access = await requireOrg(c, p, 'viewer');
    // One row more than asked tells whether there is a next page.
    const rows = await auditPage(p.db, auditFilter(access, q), {
      limit: q.limit + 1,
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    });
    const page = rows.slice(0, q.limit).map(toAuditEvent);
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeAuditCursor(last.seq) : null;
    return c.json({ data: page, nextCursor }, 200, NO_STORE);
  },
};
