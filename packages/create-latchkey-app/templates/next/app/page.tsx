// The page, rendered on the server for each request: it checks the Latchkey setup here
// (the key never leaves the server) and hands the browser only the model and the
// platform's URL.
import { connection } from 'next/server';
import { latchkeySetup, MODEL } from '@/lib/latchkey';
import { RealtimeDemo } from './realtime-demo';
import { SetupNeeded } from './setup-needed';

export default async function Home() {
  await connection(); // read the environment per request, not once at build time
  const setup = latchkeySetup();
  return (
    <main>
      <h1>__APP_NAME__</h1>
      {setup.ok ? (
        <RealtimeDemo model={MODEL} baseUrl={setup.baseUrl} />
      ) : (
        <SetupNeeded problem={setup.problem} baseUrl={setup.baseUrl} />
      )}
    </main>
  );
}
