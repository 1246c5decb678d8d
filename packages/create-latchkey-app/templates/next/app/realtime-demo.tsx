'use client';
// The browser side: your camera goes to the model and the model's video comes back.
// The page holds a short-lived session token from /api/latchkey/token, never the key.
import { LatchkeyError, type TokenResolver, tokenFromRoute } from '@latchkey/sdk';
import { LatchkeyProvider, ModelView, useLatchkey, WebcamStream } from '@latchkey/sdk/react';

let fromRoute: TokenResolver | undefined;
/** Asks our token route (made on first use: it needs the page's URL). */
const getToken: TokenResolver = () => {
  fromRoute ??= tokenFromRoute('/api/latchkey/token');
  return fromRoute();
};

export function RealtimeDemo({ model, baseUrl }: { model: string; baseUrl: string }) {
  return (
    <LatchkeyProvider model={model} getToken={getToken} baseUrl={baseUrl}>
      <div className="stage">
        <figure id="webcam">
          <WebcamStream className="video" />
          <figcaption>Your camera</figcaption>
        </figure>
        <figure id="model-view">
          <ModelView className="video" />
          <figcaption>
            The <code>{model}</code> model
          </figcaption>
        </figure>
      </div>
      <Controls />
    </LatchkeyProvider>
  );
}

function Controls() {
  const { status, lastError, session, connect, disconnect } = useLatchkey();
  const error = lastError
    ? {
        code: lastError instanceof LatchkeyError ? lastError.code : lastError.name,
        message: lastError.message,
      }
    : undefined;
  return (
    <section id="controls">
      <p>
        Status:{' '}
        <strong id="status" data-status={status}>
          {status}
        </strong>
        {session ? (
          <span className="muted">
            {' '}
            · session <code id="session-id">{session.sessionId}</code>
          </span>
        ) : null}
      </p>
      <button
        id="connect"
        type="button"
        disabled={status !== 'disconnected'}
        onClick={() => void connect()}
      >
        Connect
      </button>{' '}
      <button
        id="disconnect"
        type="button"
        disabled={status === 'disconnected'}
        onClick={() => void disconnect()}
      >
        Disconnect
      </button>
      {error ? (
        <p id="error" className="error" role="alert" data-code={error.code}>
          {error.code}: {error.message}
        </p>
      ) : null}
    </section>
  );
}
