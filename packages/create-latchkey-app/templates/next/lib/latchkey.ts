// Server-only: the token route, the proxy and the page's setup check read the API key
// from the environment here. Nothing in this file may be imported by a 'use client' file.
import { createProxyHandler, createTokenHandler, type TokenGrant } from '@latchkey/sdk/server';

/** The realtime model the page opens. */
export const MODEL = '__LATCHKEY_MODEL__';

/** What the page shows when the app is not set up: a code, the variable, and what to do. */
export interface SetupProblem {
  code: 'MISSING_API_KEY' | 'INVALID_API_KEY' | 'CONFIG';
  variable: 'LATCHKEY_API_KEY' | 'LATCHKEY_BASE_URL';
  message: string;
}

export type Setup =
  | { ok: true; baseUrl: string; handlers: Handlers }
  | { ok: false; baseUrl: string; problem: SetupProblem };

interface Handlers {
  token: (request: Request) => Promise<Response>;
  proxy: (request: Request) => Promise<Response>;
}

/**
 * Your app's signed-in user, or null. THIS is where your own session check goes: read
 * the cookie or header your auth sets (NextAuth's `auth()`, Clerk's `auth()`, your own
 * session table). Until you write it, every visitor counts as signed in: fine on your
 * machine, not on the internet, where anyone could use your Latchkey quota.
 */
async function currentUser(request: Request): Promise<{ id: string } | null> {
  // TODO: your session check, e.g. `const session = await auth(); return session?.user ?? null;`
  void request;
  warnOpenDoor();
  return { id: 'anonymous' };
}

let warned = false;
/** Says once, in production, that the stub above is still there. */
function warnOpenDoor(): void {
  if (warned || process.env.NODE_ENV !== 'production') return;
  warned = true;
  console.warn(
    '[latchkey] lib/latchkey.ts: currentUser() lets every visitor in; add your session check before this app is public.',
  );
}

/** What a signed-in user's session token allows (null: the route answers 401 UNAUTHORIZED). */
async function authorize(request: Request): Promise<TokenGrant | null> {
  const user = await currentUser(request);
  if (!user) return null;
  return {
    models: [MODEL], // only this model
    expiresIn: 600, // seconds; the SDK fetches a fresh token before this one ends
    maxSessions: 1, // one live session per token
    // origins: ['https://your-app.example'], // only pages on these origins may use it
    metadata: { userId: user.id },
  };
}

let built: { key: string; baseUrl: string; handlers: Handlers } | undefined;

/** Reads LATCHKEY_API_KEY and LATCHKEY_BASE_URL (each request: .env edits apply in dev). */
export function latchkeySetup(): Setup {
  const key = process.env.LATCHKEY_API_KEY?.trim() ?? '';
  const baseUrl = (process.env.LATCHKEY_BASE_URL?.trim() || '__LATCHKEY_BASE_URL__').replace(
    /\/+$/,
    '',
  );
  if (key === '')
    return {
      ok: false,
      baseUrl,
      problem: {
        code: 'MISSING_API_KEY',
        variable: 'LATCHKEY_API_KEY',
        message: 'LATCHKEY_API_KEY is not set.',
      },
    };
  if (built?.key === key && built.baseUrl === baseUrl)
    return { ok: true, baseUrl, handlers: built.handlers };
  try {
    const handlers: Handlers = {
      token: createTokenHandler({ apiKey: key, baseUrl, authorize }),
      proxy: createProxyHandler({
        apiKey: key,
        baseUrl,
        basePath: '/api/latchkey',
        // Batch jobs (the SDK's allow-list of routes) for signed-in users only.
        authorize: async (request) => {
          const user = await currentUser(request);
          return user ? { endUser: user.id } : null;
        },
      }),
    };
    built = { key, baseUrl, handlers };
    return { ok: true, baseUrl, handlers };
  } catch (error) {
    // The SDK checks the key's shape and checksum, and the URL; its message never holds the key.
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/^create\w+Handler: /, '')
      .replace(/^apiKey\b/, 'LATCHKEY_API_KEY')
      .replace(/^baseUrl\b/, 'LATCHKEY_BASE_URL');
    const aboutUrl = message.startsWith('LATCHKEY_BASE_URL');
    return {
      ok: false,
      baseUrl,
      problem: aboutUrl
        ? { code: 'CONFIG', variable: 'LATCHKEY_BASE_URL', message }
        : { code: 'INVALID_API_KEY', variable: 'LATCHKEY_API_KEY', message },
    };
  }
}

/** The JSON error a route answers while the app is not set up (never a stack trace). */
export function setupResponse(problem: SetupProblem): Response {
  return Response.json(
    {
      error: {
        code: problem.code,
        message: `${problem.message} Set ${problem.variable} in .env (keys come from the Latchkey dashboard), then restart the server.`,
      },
    },
    { status: 503, headers: { 'cache-control': 'no-store' } },
  );
}
