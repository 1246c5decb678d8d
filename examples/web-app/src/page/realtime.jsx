// The realtime page: your camera and the `echo` model's video side by side, a prompt
// box that sends `set_prompt`, the session's status and errors, and a `render` panel
// that runs a batch job through the backend's proxy. Built with esbuild by the
// example's server (React ships no ES modules a browser could import as they are).
import { createClient, LatchkeyError, tokenFromRoute } from '@latchkey/sdk';
import { LatchkeyProvider, ModelView, useLatchkey, WebcamStream } from '@latchkey/sdk/react';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

const platformUrl =
  document.querySelector('meta[name="latchkey-platform-url"]')?.getAttribute('content') ??
  undefined;
// The session token comes from our backend's token route (it limits it to `echo`).
const getToken = tokenFromRoute('/api/latchkey/token');
// Batch jobs go through our backend's proxy, which adds the API key on the server.
const jobs = createClient({ proxy: '/api/latchkey' });

const describe = (error) =>
  error instanceof LatchkeyError
    ? { code: error.code, message: error.message }
    : { code: 'ERROR', message: String(error?.message ?? error) };

function SignIn() {
  return (
    <form id="signin-form" method="post" action="/signin">
      <input type="hidden" name="next" value="/realtime" />
      <label>
        Your name <input id="name" name="name" required maxLength={40} autoComplete="off" />
      </label>
      <button type="submit">Sign in</button>
    </form>
  );
}

function Status() {
  const { status, lastError, session, connect, disconnect } = useLatchkey();
  const busy = status === 'connecting' || status === 'reconnecting';
  const error = lastError ? describe(lastError) : undefined;
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
      <div className="buttons">
        <button
          id="connect"
          type="button"
          disabled={status !== 'disconnected'}
          onClick={() => connect()}
        >
          Connect
        </button>
        <button
          id="disconnect"
          type="button"
          disabled={status === 'disconnected' && !busy}
          onClick={() => disconnect()}
        >
          Disconnect
        </button>
      </div>
      {error ? (
        <p id="error" className="error" role="alert" data-code={error.code}>
          {error.code}: {error.message}
        </p>
      ) : null}
    </section>
  );
}

function Prompt() {
  const { status, send, messages } = useLatchkey();
  const [text, setText] = useState('a watercolour fox');
  const [reply, setReply] = useState(undefined);
  const last = [...messages].reverse().find((m) => m.name === 'prompt');
  const submit = async (event) => {
    event.preventDefault();
    try {
      const data = await send('set_prompt', { prompt: text });
      setReply({ ok: true, text: `acknowledged: ${data.prompt}` });
    } catch (error) {
      const e = describe(error);
      setReply({ ok: false, text: `${e.code}: ${e.message}` });
    }
  };
  return (
    <form id="prompt-form" onSubmit={submit}>
      <label>
        Prompt{' '}
        <input
          id="prompt-input"
          value={text}
          maxLength={1000}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <button id="send-prompt" type="submit" disabled={status !== 'ready'}>
        Send set_prompt
      </button>
      {reply ? (
        <p id="prompt-reply" className={reply.ok ? '' : 'error'}>
          {reply.text}
        </p>
      ) : null}
      {last ? (
        <p id="model-prompt" className="muted">
          The model's prompt is now “{last.data?.prompt}”.
        </p>
      ) : null}
    </form>
  );
}

function Render() {
  const [prompt, setPrompt] = useState('a lighthouse at dusk');
  const [state, setState] = useState({ busy: false });
  useEffect(() => () => state.url && URL.revokeObjectURL(state.url), [state.url]);
  const run = async (event) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      const image = await jobs.process({ model: 'render', prompt, width: 256, height: 256 });
      setState({ busy: false, url: URL.createObjectURL(image), type: image.type });
    } catch (error) {
      setState({ busy: false, error: describe(error) });
    }
  };
  return (
    <section id="render">
      <h2>Batch job through the proxy</h2>
      <p className="muted">
        <code>render</code> draws a picture from a prompt. The page calls our backend's proxy; the
        backend adds the API key, so the page never holds it.
      </p>
      <form onSubmit={run}>
        <input
          id="render-prompt"
          value={prompt}
          maxLength={1000}
          onChange={(e) => setPrompt(e.target.value)}
        />
        <button id="render-button" type="submit" disabled={state.busy}>
          {state.busy ? 'Rendering…' : 'Render'}
        </button>
      </form>
      {state.error ? (
        <p id="render-error" className="error">
          {state.error.code}: {state.error.message}
        </p>
      ) : null}
      {state.url ? <img id="render-image" src={state.url} alt={`render of “${prompt}”`} /> : null}
    </section>
  );
}

function App() {
  const [user, setUser] = useState(undefined);
  useEffect(() => {
    fetch('/api/session')
      .then((r) => r.json())
      .then((body) => setUser(body.user ?? null))
      .catch(() => setUser(null));
  }, []);
  useEffect(() => {
    if (user !== undefined) document.body.dataset.ready = 'true';
  }, [user]);
  if (user === undefined) return <p>Loading…</p>;
  if (user === null)
    return (
      <section>
        <p>Sign in (any name will do) to get a session token for the echo model.</p>
        <SignIn />
      </section>
    );
  return (
    <LatchkeyProvider model="echo" getToken={getToken} baseUrl={platformUrl}>
      <section id="account">
        <form method="post" action="/signout">
          <span id="signed-in">
            Signed in as {user.name} ({user.userId})
          </span>{' '}
          <button type="submit">Sign out</button>
        </form>
      </section>
      <div className="stage">
        <figure id="webcam">
          <WebcamStream className="video" />
          <figcaption>Your camera</figcaption>
        </figure>
        <figure id="model-view">
          <ModelView className="video" videoObjectFit="cover" />
          <figcaption>
            The <code>echo</code> model
          </figcaption>
        </figure>
      </div>
      <Status />
      <Prompt />
      <Render />
    </LatchkeyProvider>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
