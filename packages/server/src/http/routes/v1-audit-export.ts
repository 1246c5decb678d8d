import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { type AuditFilter, auditPage } from '../../services/audit-query.js';
import { requireOrg } from '../account-session.js';
import type { Platform } from '../env.js';
import type { Route, RouteSpec } from '../route.js';
import { readQuery } from './management-schemas.js';
import { AuditFilterQuery, auditFilter } from './v1-audit-list.js';

export const ExportAuditQuery = AuditFilterQuery.extend({
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
});

/** Rows per keyset page: what the export holds in memory at once. */
export const EXPORT_PAGE = 1000;

const COLUMNS = [
  'seq',
  'id',
  'at',
  'org_id',
  'action',
  'actor',
  'target',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
  'data',
] as const;

const parsed = (data: unknown) => (typeof data === 'string' ? JSON.parse(data) : data);

/**
 * Every matching row, oldest first, one keyset page at a time as the client reads:
 * the stream asks for the next page only when the last one has been taken, so memory
 * stays one page whatever the size of the audit.
 */
export function auditExportStream(
  p: Platform,
  filter: AuditFilter,
  format: 'ndjson' | 'csv',
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterSeq: number | undefined;
  let header = format === 'csv';
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await auditPage(p.db, filter, {
          limit: EXPORT_PAGE,
          ascending: true,
          ...(afterSeq !== undefined ? { afterSeq } : {}),
        });
        let text = '';
        if (header) {
          text += stringify([[...COLUMNS]]);
          header = false;
        }
        if (format === 'ndjson') {
          for (const r of rows)
            text += `${JSON.stringify({
              seq: Number(r.seq),
              id: r.id,
              at: new Date(r.at).toISOString(),
              orgId: r.org_id,
              action: r.action,
              actor: r.actor,
              target: r.target,
              outcome: r.outcome,
              ip: r.ip,
              userAgent: r.user_agent,
              requestId: r.request_id,
              data: parsed(r.data),
            })}\n`;
        } else {
          text += stringify(
            rows.map((r) => [
              Number(r.seq),
              r.id,
              new Date(r.at).toISOString(),
              r.org_id,
              r.action,
              r.actor,
              r.target,
              r.outcome,
              r.ip,
              r.user_agent,
              r.request_id,
              JSON.stringify(parsed(r.data)),
            ]),
          );
        }
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows[rows.length - 1];
        if (rows.length < EXPORT_PAGE || !last) controller.close();
        else afterSeq = Number(last.seq);
      },
    },
    // One page in flight: the next is read from the database once this one is sent.
    { highWaterMark: 0 },
  );
}

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/audit/export',
  operationId: 'exportAudit',
  summary:
    "Download an org's audit events, oldest first (?format=ndjson|csv, same filters as the list)",
  description:
    'Streamed: every matching row, every column (data as JSON), read from the database a page at a time. NDJSON is one event object per line; CSV has a header row and RFC 4180 quoting.',
  auth: 'session',
  query: ExportAuditQuery,
  responses: {
    200: { description: 'application/x-ndjson or text/csv, as an attachment' },
    400: { description: 'INVALID_REQUEST (names the query parameter)' },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const q = readQuery(c, ExportAuditQuery);
    const access = await requireOrg(c, p, 'viewer');
    const stamp = new Date(p.clock.now()).toISOString().slice(0, 10);
    const filename = `audit-${access.org.slug}-${stamp}.${q.format}`;
    return new Response(auditExportStream(p, auditFilter(access, q), q.format), {
      status: 200,
      headers: {
        'Content-Type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'Content-Disposition': `attachment; filename="${filename}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'X-Request-Id': c.get('requestId'),
      },
    });
  },
};
