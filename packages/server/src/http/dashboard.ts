import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import type { AppEnv } from './env.js';

/**
 * The dashboard page's policy: its own scripts and styles only (the build inlines
 * nothing), calls to this origin only, never framed.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);

/** The first path segments that belong to the API: they never fall back to the page. */
const API_SEGMENTS = new Set([
  'docs',
  'healthz',
  'readyz',
  'metrics',
  '.well-known',
  'runtime-host',
  'admin',
]);

/** Whether a path is the API's (`/v1/…`, `/v2`, `/docs`, `/healthz` …), not the dashboard's. */
export function isApiPath(path: string): boolean {
  const first = path.split('/')[1] ?? '';
  return /^v\d+$/.test(first) || API_SEGMENTS.has(first);
}

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | undefined;
  type: string;
  etag: string;
  /** Hashed build output under /assets/: a new build is a new URL, so it keeps for a year. */
  immutable: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Fails fast, before the server starts, on a folder that holds no built dashboard. */
export function checkDashboardDir(dir: string): void {
  if (!existsSync(join(dir, 'index.html')))
    throw new TypeError(
      `dashboardDir ${dir} has no index.html: build the dashboard (npm run build) or leave it out`,
    );
}

/** Reads the built dashboard into memory once (it is small), with gzipped copies. */
export function loadDashboard(dir: string): Map<string, StaticFile> {
  checkDashboardDir(dir);
  const files = new Map<string, StaticFile>();
  for (const path of walk(dir)) {
    const ext = extname(path);
    const type = TYPES[ext];
    if (!type) continue;
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const body = readFileSync(path);
    const gz = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : undefined;
    files.set(url, {
      body,
      gzipped: gz && gz.length < body.length ? gz : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: url.startsWith('/assets/'),
    });
  }
  return files;
}

function send(c: Context<AppEnv>, file: StaticFile, page: boolean): Response {
  const headers: Record<string, string> = {
    'Content-Type': file.type,
    ETag: file.etag,
    'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  };
  if (page) {
    headers['Content-Security-Policy'] = DASHBOARD_CSP;
    // Reset and invitation links carry their token in the URL: it goes nowhere else.
    headers['Referrer-Policy'] = 'no-referrer';
    headers['X-Frame-Options'] = 'DENY';
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
  }
  if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers);
  const gzip = file.gzipped && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  if (gzip) headers['Content-Encoding'] = 'gzip';
  return c.body(new Uint8Array(gzip ? (file.gzipped as Buffer) : file.body), 200, headers);
}

/**
 * Serves the built dashboard at `/`: its files, and its page for every other GET that
 * is not an API path (the app routes in the browser). Registered after every API route.
 */
export function registerDashboard(app: Hono<AppEnv>, dir: string): void {
  const files = loadDashboard(dir);
  const page = files.get('/index.html') as StaticFile;
  app.get('*', (c) => {
    const path = c.req.path;
    if (isApiPath(path)) return c.notFound();
    const file = files.get(path);
    if (file) return send(c, file, file === page);
    // A missing hashed asset is a 404, never the page (a stale tab asking for an old build).
    if (path.startsWith('/assets/') || path.includes('..')) return c.notFound();
    return send(c, page, true);
  });
}
