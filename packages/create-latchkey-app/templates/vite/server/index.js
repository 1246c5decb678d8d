// @ts-check
// `npm start`: the built page (dist/, from `npm run build`) and the backend's Latchkey
// routes (server/latchkey.js) on one port. Reads .env; PORT (default 3000), HOST.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { latchkeyApi } from './latchkey.js';

try {
  process.loadEnvFile('.env');
} catch {
  // No .env: the page says which variable to set.
}

const DIST = join(import.meta.dirname, '..', 'dist');
/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const api = latchkeyApi(process.env);

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 */
async function serveStatic(req, res) {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  const file = normalize(join(DIST, path === '/' ? 'index.html' : path));
  if (!file.startsWith(DIST + sep)) {
    res.writeHead(400).end();
    return;
  }
  const body = await readFile(file).catch(() => undefined);
  if (body) {
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
    return;
  }
  const index = await readFile(join(DIST, 'index.html')).catch(() => undefined);
  if (!index) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('Run `npm run build` first.');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES['.html'] }).end(index);
}

const server = http.createServer((req, res) => {
  api(req, res, () => void serveStatic(req, res).catch(() => res.writeHead(400).end()));
});
const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  const shown = typeof address === 'object' && address ? address.port : port;
  console.log(`Listening on http://${process.env.HOST ?? '127.0.0.1'}:${shown}`);
});
