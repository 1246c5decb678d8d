// The lines a developer pastes after creating a key, filled in with this server's URL.

export const serverUrl = () => window.location.origin;

export function curlLine(server: string, key: string): string {
  return `curl -X POST ${server}/v1/tokens -H "Authorization: Bearer ${key}"`;
}

export function envLines(server: string, key: string): string {
  return `LATCHKEY_API_KEY=${key}\nLATCHKEY_BASE_URL=${server}`;
}

export function backendSnippet(server: string): string {
  return `// Your backend: a token route (Next.js shown; Hono, Express and workers take the same handler).
// Set LATCHKEY_API_KEY to your key and LATCHKEY_BASE_URL=${server}; the key never reaches a browser.
import { createTokenHandler } from '@latchkey/sdk/server';

const handler = createTokenHandler({
  authorize: async (request) => {
    const user = await getUser(request); // your own session
    if (!user) return null; // → 401
    return { models: ['echo'], expiresIn: 600, maxSessions: 1, metadata: { userId: user.id } };
  },
});
export { handler as GET, handler as POST };`;
}

export function reactSnippet(server: string): string {
  return `// Your page: a realtime session with a model, on a token from your route.
import { tokenFromRoute } from '@latchkey/sdk';
import { LatchkeyProvider, ModelView, WebcamStream } from '@latchkey/sdk/react';

const getToken = tokenFromRoute('/api/latchkey/token');

export function Studio() {
  return (
    <LatchkeyProvider model="echo" getToken={getToken} baseUrl="${server}" autoConnect>
      <WebcamStream />
      <ModelView />
    </LatchkeyProvider>
  );
}`;
}

/** A partner's way from its machine to a live model, from the CLI (docs/partner-models.md). */
export function partnerCommands(server: string, name = '<name>'): string {
  return `latchkey auth login --server ${server}
latchkey model create ${name} --kind realtime
latchkey model weights push ${name} --version 1 ./weights
latchkey model publish ${name} --version 1 --weights 1`;
}

/** Running a runtime on the partner's own machine, with a runtime credential. */
export function runtimeCommands(server: string, secret = 'rt_…'): string {
  return `latchkey runtime credentials create --name gpu-1   # or create one below
LATCHKEY_RUNTIME_KEY=${secret} latchkey runtime --server ${server} --model ./dist/model.js`;
}

/** What an app developer does to use a partner model: a token naming it. */
export function modelTokenSnippet(server: string, model: string): string {
  return `curl -X POST ${server}/v1/tokens -H "Authorization: Bearer rk_…" \\
  -H "Content-Type: application/json" -d '{"models":["${model}"]}'

// or in the backend's token route (@latchkey/sdk/server):
return { models: ['${model}'], expiresIn: 600, maxSessions: 1 };`;
}
