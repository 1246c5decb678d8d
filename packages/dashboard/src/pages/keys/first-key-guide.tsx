import { CodeBlock } from '../../components/copy.js';
import { useOrg } from '../../layout/org-context.js';
import { backendSnippet, curlLine, reactSnippet, serverUrl } from '../../lib/snippets.js';

/** What an org with no keys opens on: the three steps from nothing to a live session. */
export function FirstKeyGuide({
  canCreate,
  onCreate,
}: {
  canCreate: boolean;
  onCreate: () => void;
}) {
  const { org, role } = useOrg();
  const server = serverUrl();
  return (
    <section className="guide" aria-labelledby="guide-title">
      <h1 id="guide-title">Create your first key</h1>
      <p className="muted">
        {org.name} has no API keys yet. From here to a realtime session with a model:
      </p>
      <ol className="steps">
        <li>
          <h2>Create a key</h2>
          <p>Your backend holds it and trades it for short-lived session tokens.</p>
          {canCreate ? (
            <button type="button" className="primary" onClick={onCreate}>
              Create a key
            </button>
          ) : (
            <p className="muted">As a {role} you cannot create keys; ask a developer or admin.</p>
          )}
        </li>
        <li>
          <h2>Mint a session token</h2>
          <CodeBlock label="curl" code={curlLine(server, 'rk_…')} />
        </li>
        <li>
          <h2>Add a token route to your backend</h2>
          <CodeBlock label="Backend token route" code={backendSnippet(server)} />
        </li>
        <li>
          <h2>Open a session from your page</h2>
          <CodeBlock label="React" code={reactSnippet(server)} />
        </li>
      </ol>
    </section>
  );
}
