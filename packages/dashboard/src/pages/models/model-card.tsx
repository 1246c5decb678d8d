import type { ModelVersion, PartnerModel, RuntimeCredential } from '../../api/types.js';
import { CodeBlock } from '../../components/copy.js';
import { ago, bytes, when } from '../../lib/format.js';
import { modelTokenSnippet, serverUrl } from '../../lib/snippets.js';
import { shortName } from './model-name.js';
import { ModelWeights } from './model-weights.js';

/**
 * The runtimes announcing any version of the model now, named from the org's runtime
 * credentials (a runtime of the operator's has no credential of the org: its id shows).
 */
function servingRuntimes(model: PartnerModel, credentials: RuntimeCredential[]) {
  const out: Array<{
    id: string;
    credential: RuntimeCredential | undefined;
    versions: Array<{ version: string; state: string }>;
  }> = [];
  for (const v of model.versions)
    for (const r of v.runtimes) {
      let entry = out.find((e) => e.id === r.id);
      if (!entry) {
        entry = { id: r.id, credential: credentials.find((c) => c.id === r.id), versions: [] };
        out.push(entry);
      }
      entry.versions.push({ version: v.version, state: r.state });
    }
  return out;
}

/** One model: what it is, its versions and their states, its weights, who serves it. */
export function ModelCard({
  model,
  credentials,
  canWrite,
  onEdit,
  onRetire,
}: {
  model: PartnerModel;
  credentials: RuntimeCredential[];
  canWrite: boolean;
  onEdit: (model: PartnerModel) => void;
  onRetire: (model: PartnerModel, version: ModelVersion) => void;
}) {
  const headingId = `model-${model.id}`;
  const short = shortName(model.name);
  const serving = servingRuntimes(model, credentials);
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
        {model.visibility === 'private' && model.allowedOrgs.length > 0
          ? ` · also ${model.allowedOrgs.join(', ')}`
          : null}
        {' · '}default version{' '}
        {model.defaultVersion ? <code>{model.defaultVersion}</code> : <em>none yet</em>}
      </p>
      {model.description ? <p>{model.description}</p> : null}

      <h3>Versions</h3>
      {model.versions.length === 0 ? (
        <p className="muted">
          None published yet: <code>latchkey model publish {short} --version 1</code>.
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
                  {v.default ? <span className="muted small"> (default)</span> : null}
                </th>
                <td data-label="State">
                  <span className={`badge ${v.state}`}>{v.state}</span>
                  {v.state === 'failed' && v.failedMessage ? (
                    <span className="small"> {v.failedMessage}</span>
                  ) : null}
                </td>
                <td data-label="Weights">
                  {v.weights ? (
                    <>
                      {v.weights.version}
                      {v.weights.totalBytes !== null ? (
                        <span className="muted small"> · {bytes(v.weights.totalBytes)}</span>
                      ) : null}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
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
      <ModelWeights name={model.name} />

      <h3>Served by</h3>
      {serving.length === 0 ? (
        <p className="muted">No runtime serves it now.</p>
      ) : (
        <ul className="plain-list">
          {serving.map((r) => (
            <li key={r.id}>
              <span>
                <strong>{r.credential?.name ?? r.id}</strong>{' '}
                {r.credential ? (
                  <span className={`badge ${r.credential.state}`}>{r.credential.state}</span>
                ) : (
                  <span className="muted small">(the operator's)</span>
                )}
                {r.versions.map((v) => (
                  <span key={v.version}>
                    {' '}
                    · version <code>{v.version}</code> {v.state}
                  </span>
                ))}
              </span>
              {r.credential ? (
                <span className="muted small" title={when(r.credential.lastSeenAt)}>
                  last seen {ago(r.credential.lastSeenAt)}
                </span>
              ) : null}
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
