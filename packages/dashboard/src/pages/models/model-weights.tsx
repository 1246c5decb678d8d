import { useQuery } from '@tanstack/react-query';
import { weightsQuery } from '../../api/queries.js';
import { ErrorView } from '../../components/error-view.js';
import { Loading } from '../../components/status.js';
import { useOrg } from '../../layout/org-context.js';
import { bytes, when } from '../../lib/format.js';
import { shortName } from './model-name.js';

/** A model's pushed weights versions: size, file count, manifest digest. */
export function ModelWeights({ name }: { name: string }) {
  const { ref } = useOrg();
  const short = shortName(name);
  const list = useQuery(weightsQuery(ref, short));
  if (list.isPending) return <Loading what={`Loading the weights of ${name}`} />;
  if (list.isError)
    return <ErrorView error={list.error} title={`Could not load the weights of ${name}`} />;
  const rows = list.data.data;
  if (rows.length === 0)
    return (
      <p className="muted">
        None pushed yet: <code>latchkey model weights push {short} --version 1 ./weights</code>.
      </p>
    );
  return (
    <table className="table-cards">
      <caption className="visually-hidden">Weights of {name}</caption>
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
        {rows.map((w) => (
          <tr key={w.version}>
            <th scope="row" data-label="Version">
              {w.version}
            </th>
            <td data-label="Size" title={`${w.totalBytes} bytes`}>
              {bytes(w.totalBytes)}
            </td>
            <td data-label="Files">
              {w.fileCount} {w.fileCount === 1 ? 'file' : 'files'}
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
  );
}
