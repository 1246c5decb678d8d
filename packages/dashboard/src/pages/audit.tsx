import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type AuditFilters, api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { ErrorView } from '../components/error-view.js';
import { Empty, Loading } from '../components/status.js';
import { useOrg } from '../layout/org-context.js';
import { when } from '../lib/format.js';
import { useActorName } from '../lib/use-actor-name.js';
import { AuditFilterForm } from './audit-filters.js';

const PAGE = 50;

export function AuditPage() {
  const { ref } = useOrg();
  const actorName = useActorName();
  const [filters, setFilters] = useState<AuditFilters>({});
  const events = useInfiniteQuery({
    queryKey: [...keys.org(ref), 'audit', filters],
    queryFn: ({ pageParam }) =>
      api.audit(ref, { ...filters, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = events.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Audit</h1>
        <div className="actions">
          <a className="button-link" href={api.auditExportUrl(ref, 'ndjson', filters)} download>
            Export NDJSON
          </a>
          <a className="button-link" href={api.auditExportUrl(ref, 'csv', filters)} download>
            Export CSV
          </a>
        </div>
      </div>
      <p className="muted">
        Every change to this organization, newest first. The export holds every matching row, oldest
        first.
      </p>
      {/* Keyed by the filters, so Clear (and any change) shows what is applied. */}
      <AuditFilterForm key={JSON.stringify(filters)} value={filters} onChange={setFilters} />
      {events.isPending ? (
        <Loading what="Loading the audit log" />
      ) : events.isError ? (
        <ErrorView error={events.error} title="Could not load the audit log" />
      ) : rows.length === 0 ? (
        <Empty title="No events match." />
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Audit events</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{when(e.at)}</td>
                <td data-label="Action">
                  <code className="nowrap">{e.action}</code>
                </td>
                <td data-label="Actor">{actorName(e.actor)}</td>
                <td data-label="Target">{actorName(e.target)}</td>
                <td data-label="Outcome">
                  <span className={`badge ${e.outcome === 'ok' ? 'active' : 'revoked'}`}>
                    {e.outcome}
                  </span>
                </td>
                <td data-label="Address">{e.ip ?? '—'}</td>
                <td data-label="Details">
                  <details className="event-details">
                    <summary>Show</summary>
                    <dl>
                      <dt>Request</dt>
                      <dd>
                        <code>{e.requestId ?? '—'}</code>
                      </dd>
                      <dt>Client</dt>
                      <dd>{e.userAgent ?? '—'}</dd>
                      <dt>Data</dt>
                      <dd>
                        <pre>{JSON.stringify(e.data, null, 2)}</pre>
                      </dd>
                    </dl>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.hasNextPage ? (
        <button
          type="button"
          onClick={() => events.fetchNextPage()}
          disabled={events.isFetchingNextPage}
        >
          {events.isFetchingNextPage ? 'Loading…' : 'Load older events'}
        </button>
      ) : null}
    </>
  );
}
