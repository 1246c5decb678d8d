export interface SetupProblem {
  code: 'MISSING_API_KEY' | 'INVALID_API_KEY' | 'CONFIG';
  variable: 'LATCHKEY_API_KEY' | 'LATCHKEY_BASE_URL';
  message: string;
}

/** What the page says until LATCHKEY_API_KEY (and LATCHKEY_BASE_URL) are right. */
export function SetupNeeded({ problem, baseUrl }: { problem: SetupProblem; baseUrl: string }) {
  return (
    <section id="setup" role="alert" data-code={problem.code}>
      <h2>
        Almost there: set <code>{problem.variable}</code>
      </h2>
      <p>
        <strong id="setup-code">{problem.code}</strong>: {problem.message}
      </p>
      <ol>
        {problem.variable === 'LATCHKEY_API_KEY' ? (
          <li>
            Get an app key (<code>rk_…</code>) from the Latchkey dashboard:{' '}
            <a href={`${baseUrl}/`}>{baseUrl}/</a> → Keys → Create key. (A local Latchkey, started
            with <code>npm start</code> in its repo, prints one on its first start.)
          </li>
        ) : (
          <li>
            Set it to your Latchkey platform&apos;s URL, e.g. <code>http://127.0.0.1:8787</code>.
          </li>
        )}
        <li>
          Put it in <code>.env</code> next to <code>package.json</code> (copy{' '}
          <code>.env.example</code>): <code>{problem.variable}=…</code>
        </li>
        <li>
          Restart <code>npm run dev</code> (or <code>npm start</code>) and reload this page.
        </li>
      </ol>
      <p className="muted">
        The key stays on the server: only the token route and the proxy read it.
      </p>
    </section>
  );
}
