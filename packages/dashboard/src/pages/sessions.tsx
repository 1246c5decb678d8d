import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/api.js';
import { sessionsQuery } from '../api/queries.js';
import type { LiveSession } from '../api/types.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorView } from '../components/error-view.js';
import { Empty, Loading } from '../components/status.js';
import { useOrg } from '../layout/org-context.js';
import { ago, when } from '../lib/format.js';
import { atLeast } from '../lib/roles.js';

export function SessionsPage() {
  const { ref, role } = useOrg();
  const sessions = useQuery(sessionsQuery(ref));
  const queryClient = useQueryClient();
  const [ending, setEnding] = useState<LiveSession | null>(null);
  const end = useMutation({
    mutationFn: (s: LiveSession) => api.endSession(ref, s.sessionId),
    onSuccess: async () => {
      setEnding(null);
      await queryClient.invalidateQueries({ queryKey: sessionsQuery(ref).queryKey });
    },
  });
  const canEnd = atLeast(role, 'developer');
  const rows = sessions.data?.data ?? [];
  return (
    <>
      <h1>Sessions</h1>
      <p className="muted">
        Open realtime sessions with models (starting, waiting for media, or live); this list
        refreshes every few seconds.
      </p>
      {sessions.isPending ? (
        <Loading what="Loading sessions" />
      ) : sessions.isError ? (
        <ErrorView error={sessions.error} title="Could not load sessions" />
      ) : rows.length === 0 ? (
        <Empty title="No open sessions right now.">
          <p className="muted">They appear here as soon as a browser opens one.</p>
        </Empty>
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Live sessions</caption>
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Model</th>
              <th scope="col">State</th>
              <th scope="col">Key</th>
              <th scope="col">Origin</th>
              <th scope="col">Started</th>
              {canEnd ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.sessionId}>
                <th scope="row" data-label="Session">
                  <code>{s.sessionId}</code>
                </th>
                <td data-label="Model">{s.model}</td>
                <td data-label="State">
                  <span className={`badge ${s.state === 'active' ? 'active' : ''}`}>{s.state}</span>
                </td>
                <td data-label="Key">{s.keyId ?? '—'}</td>
                <td data-label="Origin">{s.origin ?? '—'}</td>
                <td data-label="Started" title={when(s.createdAt)}>
                  {ago(s.createdAt)}
                </td>
                {canEnd ? (
                  <td data-label="Actions">
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setEnding(s)}
                      aria-label={`End session ${s.sessionId}`}
                    >
                      End
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={ending !== null}
        title="End this session?"
        confirmLabel="End session"
        pending={end.isPending}
        onClose={() => {
          end.reset();
          setEnding(null);
        }}
        onConfirm={() => ending && end.mutate(ending)}
      >
        <p>
          The {ending?.model} session <code>{ending?.sessionId}</code> ends now, in the browser that
          holds it. Its token can open a new one unless you revoke the key.
        </p>
        <ErrorView error={end.error} title="Could not end the session" />
      </ConfirmDialog>
    </>
  );
}
