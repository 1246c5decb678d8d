// The page asks the backend whether Latchkey is set up (the backend never says the key),
// then shows the realtime demo or what to fix.
import { useEffect, useState } from 'react';
import { RealtimeDemo } from './RealtimeDemo';
import { SetupNeeded, type SetupProblem } from './SetupNeeded';

type Setup =
  | { ok: true; model: string; baseUrl: string }
  | { ok: false; baseUrl: string; problem: SetupProblem };

export function App() {
  const [setup, setSetup] = useState<Setup | { failed: string }>();
  useEffect(() => {
    fetch('/api/latchkey/setup')
      .then((r) => (r.ok ? (r.json() as Promise<Setup>) : Promise.reject(new Error(r.statusText))))
      .then(setSetup)
      .catch((e: Error) => setSetup({ failed: e.message }));
  }, []);
  return (
    <main>
      <h1>__APP_NAME__</h1>
      {setup === undefined ? (
        <p>Loading…</p>
      ) : 'failed' in setup ? (
        <p className="error" role="alert">
          The backend did not answer /api/latchkey/setup ({setup.failed}). Is it running?
        </p>
      ) : setup.ok ? (
        <RealtimeDemo model={setup.model} baseUrl={setup.baseUrl} />
      ) : (
        <SetupNeeded problem={setup.problem} baseUrl={setup.baseUrl} />
      )}
    </main>
  );
}
