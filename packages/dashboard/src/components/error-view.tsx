import { ApiError } from '../api/client.js';

/** An error as the API gave it: its code, what it said, and what to do about it. */
export function ErrorView({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  const message = e?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div className="error" role="alert">
      <p>
        <strong>{title ?? 'That did not work'}</strong>
        {e ? (
          <>
            {' '}
            <code className="code">{e.code}</code>
          </>
        ) : null}
      </p>
      <p>{message}</p>
      {e?.fix ? <p className="fix">What to do: {e.fix}</p> : null}
      {e?.requestId ? <p className="muted small">Request id {e.requestId}</p> : null}
    </div>
  );
}
