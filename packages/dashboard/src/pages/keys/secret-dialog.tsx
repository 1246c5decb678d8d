import type { CreatedKey } from '../../api/types.js';
import { CodeBlock, CopyButton } from '../../components/copy.js';
import { Dialog } from '../../components/dialog.js';
import { when } from '../../lib/format.js';
import { backendSnippet, curlLine, envLines, serverUrl } from '../../lib/snippets.js';

/** The new secret, shown this once, with what to paste where. */
export function SecretDialog({
  created,
  onClose,
}: {
  created: (CreatedKey & { oldEnds?: string | null }) | null;
  onClose: () => void;
}) {
  const server = serverUrl();
  return (
    <Dialog open={created !== null} title="Your new key" onClose={onClose}>
      {created ? (
        <>
          <p className="warning">
            Copy <strong>{created.key.name}</strong> now: this is the only time its secret is shown.
            Keep it on your backend (for example as LATCHKEY_API_KEY), never in a browser.
          </p>
          {'oldEnds' in created ? (
            <p>
              The old key{' '}
              {created.oldEnds
                ? `keeps working until ${when(created.oldEnds)}`
                : 'has stopped working'}
              .
            </p>
          ) : null}
          <div className="field">
            <label htmlFor="new-secret">Secret key</label>
            <div className="with-button">
              <input
                id="new-secret"
                readOnly
                value={created.secret}
                className="mono"
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton text={created.secret} label="Copy key" />
            </div>
          </div>
          <CodeBlock label="Mint a session token" code={curlLine(server, created.secret)} />
          <CodeBlock label="Backend environment" code={envLines(server, created.secret)} />
          <details>
            <summary>The SDK's token route for your backend</summary>
            <CodeBlock label="Token route" code={backendSnippet(server)} />
          </details>
          <div className="actions">
            <button type="button" className="primary" onClick={onClose}>
              I have stored it
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
