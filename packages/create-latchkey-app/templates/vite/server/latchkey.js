// @ts-check
// The backend's Latchkey routes, for node:http (and Vite's dev server, which is one):
//   GET  /api/latchkey/setup   whether the key is set, and what the page needs (never the key)
//   POST /api/latchkey/token   a short-lived session token for the signed-in user
//   *    /api/latchkey/v1/…    the batch-job calls a page may make, with the key added here
import { createProxyHandler, createTokenHandler, toNodeHandler } from '@latchkey/sdk/server';

/** The realtime model the page opens. */
export const MODEL = '__LATCHKEY_MODEL__';

/**
 * Your app's signed-in user, or null. THIS is where your own session check goes: read
 * the cookie or header your auth sets. Until you write it, every visitor counts as
 * signed in: fine on your machine, not on the internet, where anyone could use your
 * Latchkey quota.
 * @param {Request} request
 * @returns {Promise<{ id: string } | null>}
 */
async function currentUser(request) {
  // TODO: your session check, e.g. `return (await sessions.get(cookie(request)))?.user ?? null;`
  void request;
  warnOpenDoor();
  return { id: 'anonymous' };
}

let warned = false;
/** Says once, in production, that the stub above is still there. */
function warnOpenDoor() {
  if (warned || process.env.NODE_ENV !== 'production') return;
  warned = true;
  console.warn(
    '[latchkey] server/latchkey.js: currentUser() lets every visitor in; add your session check before this app is public.',
  );
}

/**
 * What a signed-in user's session token allows (null: the route answers 401 UNAUTHORIZED).
 * @param {Request} request
 */
async function authorize(request) {
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

/**
 * @typedef {{ code: 'MISSING_API_KEY' | 'INVALID_API_KEY' | 'CONFIG', variable: string, message: string }} SetupProblem
 * @typedef {import('@latchkey/sdk/server').NodeHandler} NodeRoute
 * @typedef {{ ok: true, baseUrl: string, token: NodeRoute, proxy: NodeRoute } | { ok: false, baseUrl: string, problem: SetupProblem }} Setup
 */

/** @type {{ key: string, baseUrl: string, setup: Setup } | undefined} */
let built;

/**
 * Reads LATCHKEY_API_KEY and LATCHKEY_BASE_URL from `env`.
 * @param {Record<string, string | undefined>} env
 * @returns {Setup}
 */
export function latchkeySetup(env) {
  const key = env.LATCHKEY_API_KEY?.trim() ?? '';
  const baseUrl = (env.LATCHKEY_BASE_URL?.trim() || '__LATCHKEY_BASE_URL__').replace(/\/+$/, '');
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
  if (built?.key === key && built.baseUrl === baseUrl) return built.setup;
  try {
    const token = toNodeHandler(createTokenHandler({ apiKey: key, baseUrl, authorize }));
    const proxy = toNodeHandler(
      createProxyHandler({
        apiKey: key,
        baseUrl,
        basePath: '/api/latchkey',
        // Batch jobs (the SDK's allow-list of routes) for signed-in users only.
        authorize: async (request) => {
          const user = await currentUser(request);
          return user ? { endUser: user.id } : null;
        },
      }),
    );
    /** @type {Setup} */
    const setup = { ok: true, baseUrl, token, proxy };
    built = { key, baseUrl, setup };
    return setup;
  } catch (error) {
    // The SDK checks the key's shape and checksum, and the URL; its message never holds the key.
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/^create\w+Handler: /, '')
      .replace(/^apiKey\b/, 'LATCHKEY_API_KEY')
      .replace(/^baseUrl\b/, 'LATCHKEY_BASE_URL');
    return {
      ok: false,
      baseUrl,
      problem: message.startsWith('LATCHKEY_BASE_URL')
        ? { code: 'CONFIG', variable: 'LATCHKEY_BASE_URL', message }
        : { code: 'INVALID_API_KEY', variable: 'LATCHKEY_API_KEY', message },
    };
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function json(res, status, body) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

/**
 * The routes under /api/latchkey/ as connect-style middleware; anything else goes to `next`.
 * @param {Record<string, string | undefined>} env where LATCHKEY_API_KEY and LATCHKEY_BASE_URL are read
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: () => void) => void}
 */
export function latchkeyApi(env) {
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith('/api/latchkey/')) return next();
    const setup = latchkeySetup(env);
    if (path === '/api/latchkey/setup')
      return json(
        res,
        200,
        setup.ok
          ? { ok: true, model: MODEL, baseUrl: setup.baseUrl }
          : { ok: false, baseUrl: setup.baseUrl, problem: setup.problem },
      );
    if (!setup.ok) {
      const { code, message, variable } = setup.problem;
      return json(res, 503, {
        error: {
          code,
          message: `${message} Set ${variable} in .env (keys come from the Latchkey dashboard), then restart the server.`,
        },
      });
    }
    const route = path === '/api/latchkey/token' ? setup.token : setup.proxy;
    route(req, res, (error) => {
      console.error('[latchkey]', error instanceof Error ? error.message : error);
      if (!res.headersSent)
        json(res, 500, { error: { code: 'INTERNAL_ERROR', message: 'see the server log' } });
      else res.destroy();
    });
  };
}
