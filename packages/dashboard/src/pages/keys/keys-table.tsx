import type { ApiKey } from '../../api/types.js';
import { ago, when } from '../../lib/format.js';
import { useActorName } from '../../lib/use-actor-name.js';

/** The key list; on a narrow screen each row becomes a card (see .table-cards). */
export function KeysTable({
  keys,
  canWrite,
  onRename,
  onRotate,
  onRevoke,
}: {
  keys: ApiKey[];
  canWrite: boolean;
  onRename: (key: ApiKey) => void;
  onRotate: (key: ApiKey) => void;
  onRevoke: (key: ApiKey) => void;
}) {
  const actorName = useActorName();
  return (
    <table className="table-cards">
      <caption className="visually-hidden">API keys</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col">Last used</th>
          <th scope="col">Expires</th>
          <th scope="col">Created by</th>
          {canWrite ? <th scope="col">Actions</th> : null}
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.id}>
            <th scope="row" data-label="Name">
              {k.name}
            </th>
            <td data-label="Key">
              <code className="nowrap">{k.display}</code>
            </td>
            <td data-label="Kind">{k.kind}</td>
            <td data-label="State">
              <span className={`badge ${k.state}`}>{k.state}</span>
              {k.revokedReason ? <span className="muted small"> ({k.revokedReason})</span> : null}
              {k.rotatedTo ? <span className="muted small"> · rotated</span> : null}
            </td>
            <td data-label="Last used" title={when(k.lastUsedAt)}>
              {ago(k.lastUsedAt)}
            </td>
            <td data-label="Expires">{when(k.expiresAt, 'never')}</td>
            <td data-label="Created by">
              {actorName(k.createdBy)}
              <span className="muted small"> · {when(k.createdAt)}</span>
            </td>
            {canWrite ? (
              <td data-label="Actions">
                {k.state === 'active' ? (
                  <div className="row-actions">
                    <button
                      type="button"
                      onClick={() => onRename(k)}
                      aria-label={`Rename ${k.name}`}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      onClick={() => onRotate(k)}
                      aria-label={`Rotate ${k.name}`}
                    >
                      Rotate
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => onRevoke(k)}
                      aria-label={`Revoke ${k.name}`}
                    >
                      Revoke
                    </button>
                  </div>
                ) : (
                  <span className="muted small">—</span>
                )}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
