import type { ModelVersion, PartnerModel } from '../../api/types.js';
import { CodeBlock } from '../../components/copy.js';
import { ago, bytes, when } from '../../lib/format.js';
import { modelTokenSnippet, serverUrl } from '../../lib/snippets.js';

/** One model: what it is, its versions and their states, its weights, who serves it. */
export function ModelCard({
  model,
  canWrite,
  onEdit,
  onRetire,
}: {
  model: PartnerModel;
  canWrite: boolean;
  onEdit: (model: PartnerModel) => void;
  onRetire: (model: PartnerModel, version: ModelVersion) => void;
}) {
  const headingId = `model-${model.id}`;
  return (
    <section className="model" aria-labelledby={headingId}>
      <div className="page-head">
        <h2 id={headingId}>
          <code>{model.name}</code>
        </h2>
        {canWrite ? (
          <button type="button" onClick={() => onEdit(model)} aria-label={`Change ${model.name}`}>
            Change
          </button>
        ) : null}
      </div>
      <p>
        <span className="badge">{model.kind}</span>{' '}
        <span className={`badge ${model.visibility}`}>{model.visibility}</span>
        {' · '}default version{' '}
        {model.defaultVersion ? <code>{model.defaultVersion}</code> : <em>none yet</em>}
      </p>
      {model.description ? <p>{model.description}</p> : null}

      <h3>Versions</h3>
      {model.versions.length === 0 ? (
        <p className="muted">
          None published yet:{' '}
          <code>latchkey model publish {model.name.split('/')[1]} --version 1</code>.
        </p>
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Versions of {model.name}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">State</th>
              <th scope="col">Weights</th>
              <th scope="col">Image</th>
              <th scope="col">Published</th>
              {canWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {model.versions.map((v) => (
              <tr key={v.version}>
                <th scope="row" data-label="Version">
                  {v.version}
                  {v.version === model.defaultVersion ? (
                    <span className="muted small"> (default)</span>
                  ) : null}
                </th>
                <td data-label="State">
                  <span className={`badge ${v.state}`}>{v.state}</span>
                  {v.state === 'failed' && v.failedMessage ? (
                    <span className="small"> {v.failedMessage}</span>
                  ) : null}
                </td>
                <td data-label="Weights">{v.weightsVersion ?? '—'}</td>
                <td data-label="Image">
                  {v.image ? (
                    <code className="digest" title={v.imageDigest ?? undefined}>
                      {v.image}
                      {v.imageDigest ? `@${v.imageDigest.slice(0, 19)}…` : null}
                    </code>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Published">{when(v.createdAt)}</td>
                {canWrite ? (
                  <td data-label="Actions">
                    {v.state === 'retired' ? (
                      <span className="muted small">retired {when(v.retiredAt)}</span>
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => onRetire(model, v)}
                        aria-label={`Retire ${model.name} version ${v.version}`}
                      >
                        Retire
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Weights</h3>
      {model.weights.length === 0 ? (
        <p className="muted">
          None pushed yet:{' '}
          <code>latchkey model weights push {model.name.split('/')[1]} --version 1 ./weights</code>.
        </p>
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Weights of {model.name}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col">Files</th>
              <th scope="col">Manifest</th>
              <th scope="col">Pushed</th>
            </tr>
          </thead>
          <tbody>
            {model.weights.map((w) => (
              <tr key={w.version}>
                <th scope="row" data-label="Version">
                  {w.version}
                </th>
                <td data-label="Size" title={`${w.totalBytes} bytes`}>
                  {bytes(w.totalBytes)}
                </td>
                <td data-label="Files">
                  {w.files.length} {w.files.length === 1 ? 'file' : 'files'}
                </td>
                <td data-label="Manifest">
                  <code className="digest" title={`${w.repository}@${w.manifestDigest}`}>
                    {w.manifestDigest.slice(0, 19)}…
                  </code>
                </td>
                <td data-label="Pushed">{when(w.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Served by</h3>
      {model.runtimes.length === 0 ? (
        <p className="muted">No runtime of this org serves it now.</p>
      ) : (
        <ul className="plain-list">
          {model.runtimes.map((r) => (
            <li key={r.id}>
              <span>
                <strong>{r.name}</strong> <span className={`badge ${r.state}`}>{r.state}</span>
                {r.version ? (
                  <>
                    {' '}
                    · version <code>{r.version}</code>
                  </>
                ) : null}
                {r.modelState ? ` · ${r.modelState}` : null}
              </span>
              <span className="muted small" title={when(r.lastSeenAt)}>
                last seen {ago(r.lastSeenAt)}
              </span>
            </li>
          ))}
        </ul>
      )}

      <details>
        <summary>Use {model.name} from an app</summary>
        <CodeBlock
          label={`A session token for ${model.name}`}
          code={modelTokenSnippet(serverUrl(), model.name)}
        />
      </details>
    </section>
  );
}
