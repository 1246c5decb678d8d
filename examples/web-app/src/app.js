// @ts-check
// The example's backend: a toy sign-in (a cookie naming an in-memory session) and a
// token route built with createTokenHandler, so the page gets a Latchkey session
// token for the signed-in user and never sees the API key.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProxyHandler, createTokenHandler, toNodeHandler } from '@latchkey/sdk/server';
import { bundleRealtimePage } from './page-bundle.js';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const COOKIE = 'example_session';
/** The browser imports these packages' own built files, mapped by an import map. */
const resolve = createRequire(import.meta.url).resolve;
const VENDOR = {
  '@latchkey/sdk': dirname(resolve('@latchkey/sdk')),
  '@latchkey/core': dirname(resolve('@latchkey/core')),
};
const VENDOR_FILE = /^\/vendor\/(@latchkey\/(?:sdk|core))\/([a-z0-9-]+\.js)$/;

/**
 * @typedef {{ userId: string, name: string }} User
 * @typedef {{ apiKey: string, platformUrl: string, models?: string[] }} ExampleOptions
 */

/**
 * Builds the example app as a node:http request listener.
 * @param {ExampleOptions} options
 */
export function createExampleApp(options) {
  const models = options.models ?? ['echo'];
  /** @type {Map<string, User>} sessions by id; a real app keeps them in its own store. */
  const sessions = new Map();

  /** @param {{ headers: { get(name: string): string | null } } | http.IncomingMessage} req */
  const userOf = (req) => {
    const header = 'get' in req.headers ? req.headers.get('cookie') : req.headers.cookie;
    const id = new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f-]{36})`).exec(header ?? '')?.[1];
    return id ? sessions.get(id) : undefined;
  };

  // The token route: your authorize() decides who gets a token and what it allows.
  const tokenRoute = toNodeHandler(
    createTokenHandler({
      apiKey: options.apiKey,
      baseUrl: options.platformUrl,
      authorize(request) {
        const user = userOf(request);
        if (!user) return null;
        return { models, expiresIn: 600, maxSessions: 1, metadata: { userId: user.userId } };
      },
    }),
  );

  // The proxy: the page's batch jobs (`render`) reach the platform through here, and
  // this backend adds the key. Only signed-in users, and only the batch-job routes.
  const proxy = toNodeHandler(
    createProxyHandler({
      apiKey: options.apiKey,
      baseUrl: options.platformUrl,
      basePath: '/api/latchkey',
      authorize(request) {
        const user = userOf(request);
        return user ? { endUser: user.userId } : null;
      },
    }),
  );

  // The realtime page is a React app, bundled once on first request.
  /** @type {Promise<string> | undefined} */
  let realtimeJs;
  const realtimeHtml = readFileSync(join(PUBLIC, 'realtime.html'), 'utf8').replace(
    '{{PLATFORM_URL}}',
    options.platformUrl.replace(/[^A-Za-z0-9:/.[\]_-]/g, ''),
  );
  const realtimeCsp = [
    "default-src 'self'",
    "script-src 'self'",
    // The session (signaling) goes to the platform directly, with the session token.
    `connect-src 'self' ${new URL(options.platformUrl).origin}`,
    "img-src 'self' blob:",
    "media-src 'self' blob: mediastream:",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

  // The page's inline import map is the one inline script the CSP lets run, by hash.
  const html = readFileSync(join(PUBLIC, 'index.html'), 'utf8').replace(
    '{{PLATFORM_URL}}',
    options.platformUrl.replace(/[^A-Za-z0-9:/.[\]_-]/g, ''),
  );
  const importMap = /<script type="importmap">([^<]*)<\/script>/.exec(html)?.[1] ?? '';
  const importMapHash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${importMapHash}'`,
    // The realtime view (later) talks to the platform directly with the session token.
    `connect-src 'self' ${new URL(options.platformUrl).origin}`,
    "style-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

  /**
   * @param {http.ServerResponse} res
   * @param {number} status
   * @param {string} type
   * @param {string | Buffer} body
   * @param {Record<string, string | string[]>} [headers]
   */
  const send = (res, status, type, body, headers = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    });
    res.end(body);
  };

  /** @param {http.IncomingMessage} req */
  const readForm = async (req) => {
    let text = '';
    for await (const chunk of req) {
      text += chunk;
      if (text.length > 4096) throw new Error('form too large');
    }
    return new URLSearchParams(text);
  };

  /** @type {http.RequestListener} */
  const listener = async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      if (path === '/api/latchkey/token') return tokenRoute(req, res);
      if (path.startsWith('/api/latchkey/')) return proxy(req, res);
      if (req.method === 'GET' && path === '/realtime') {
        return send(res, 200, 'text/html; charset=utf-8', realtimeHtml, {
          'content-security-policy': realtimeCsp,
        });
      }
      if (req.method === 'GET' && path === '/realtime.js') {
        realtimeJs ??= bundleRealtimePage();
        return send(res, 200, 'text/javascript; charset=utf-8', await realtimeJs);
      }
      if (req.method === 'GET' && path === '/') {
        return send(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': csp });
      }
      if (req.method === 'GET' && (path === '/app.js' || path === '/style.css')) {
        const type = path.endsWith('.js')
          ? 'text/javascript; charset=utf-8'
          : 'text/css; charset=utf-8';
        return send(res, 200, type, await readFile(join(PUBLIC, path.slice(1))));
      }
      const vendor = VENDOR_FILE.exec(path);
      if (req.method === 'GET' && vendor) {
        const dir = VENDOR[/** @type {keyof typeof VENDOR} */ (vendor[1])];
        if (vendor[2] === 'server.js') return send(res, 404, 'text/plain', 'not for browsers');
        const file = await readFile(join(dir, /** @type {string} */ (vendor[2]))).catch(
          () => undefined,
        );
        return file
          ? send(res, 200, 'text/javascript; charset=utf-8', file)
          : send(res, 404, 'text/plain', 'not found');
      }
      if (req.method === 'GET' && path === '/api/session') {
        const user = userOf(req);
        return user
          ? send(res, 200, 'application/json', JSON.stringify({ user }))
          : send(res, 401, 'application/json', '{"user":null}');
      }
      if (req.method === 'POST' && path === '/signin') {
        const form = await readForm(req);
        const name = form.get('name')?.trim().slice(0, 40) ?? '';
        const next = form.get('next') === '/realtime' ? '/realtime' : '/';
        if (!/^[\p{L}\p{N} ._-]{1,40}$/u.test(name))
          return send(res, 400, 'text/plain', 'pick a name');
        const id = randomUUID();
        const slug =
          name
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '') || 'user';
        sessions.set(id, { userId: `u_${slug}`, name });
        return send(res, 303, 'text/plain', 'signed in', {
          location: next,
          'set-cookie': `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
        });
      }
      if (req.method === 'POST' && path === '/signout') {
        const id = new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f-]{36})`).exec(
          req.headers.cookie ?? '',
        )?.[1];
        if (id) sessions.delete(id);
        return send(res, 303, 'text/plain', 'signed out', {
          location: '/',
          'set-cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
        });
      }
      return send(res, 404, 'text/plain', 'not found');
    } catch (error) {
      console.error('[example]', error);
      if (!res.headersSent) send(res, 500, 'text/plain', 'something went wrong');
      else res.destroy();
    }
  };
  return listener;
}

/**
 * Starts the example on `port` (0 picks a free one) at 127.0.0.1.
 * @param {ExampleOptions & { port?: number, host?: string }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startExample(options) {
  const server = http.createServer(createExampleApp(options));
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
