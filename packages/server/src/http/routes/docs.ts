import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ERRORS_PATH } from './docs-errors.js';

/** Where the API reference is served. */
export const DOCS_PATH = '/docs';

/**
 * Redoc's standalone browser bundle, from node_modules: the page loads nothing from
 * any other host, so a self-hosted server's docs work offline. The version is in the
 * path, so the bundle can be cached for a year.
 */
const fromHere = createRequire(import.meta.url);
const redocDir = dirname(fromHere.resolve('redoc/package.json'));
const redocVersion = (fromHere('redoc/package.json') as { version: string }).version;
export const REDOC_PATH = `${DOCS_PATH}/assets/redoc-${redocVersion}.standalone.js`;

/**
 * Nothing from another origin, should a bundle try. Redoc sets its styles inline
 * (styled-components) and runs its search in a blob: worker.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface Asset {
  body: Buffer;
  gzipped: Buffer;
}

/**
 * Redoc's sidebar footer always shows its logo from Redocly's CDN (no option turns it
 * off). It becomes an empty data: URL, which fails to decode, and Redoc then leaves the
 * image out; the browser test fails if a new bundle reaches out some other way.
 */
const REDOC_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

let redoc: Promise<Asset> | undefined;

/** The bundle, read once on first request and kept with a gzipped copy. */
export function redocBundle(): Promise<Asset> {
  redoc ??= (async () => {
    const text = await readFile(join(redocDir, 'bundles', 'redoc.standalone.js'), 'utf8');
    const body = Buffer.from(text.replaceAll(REDOC_LOGO, 'data:,'));
    return { body, gzipped: await promisify(gzip)(body) };
  })().catch((error: unknown) => {
    redoc = undefined;
    throw error;
  });
  return redoc;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';

/** Reads the document embedded in the page and hands it to Redoc: no inline script. */
export const INIT_SCRIPT = `(() => {
  const spec = JSON.parse(document.getElementById('openapi').textContent);
  Redoc.init(spec, ${JSON.stringify({
    hideDownloadButton: true,
    expandResponses: '200,201',
    jsonSampleExpandLevel: 3,
    theme: {
      typography: {
        fontFamily: FONT,
        headings: { fontFamily: FONT },
        code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
      },
    },
  })}, document.getElementById('reference'));
})();
`;

/** Named by its content, so it can be cached as long as the bundle. */
export const INIT_PATH = `${DOCS_PATH}/assets/init-${createHash('sha256').update(INIT_SCRIPT).digest('hex').slice(0, 16)}.js`;

/** JSON that can sit inside a `<script type="application/json">`: no `<` at all. */
const jsonForHtml = (v: unknown) => JSON.stringify(v).replaceAll('<', '\\u003c');

/** The reference page: the OpenAPI document embedded, rendered by Redoc. */
export function renderDocsPage(doc: unknown): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey API</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<style>body{margin:0}.lk-nav{font:14px/1.5 ${FONT};display:flex;gap:1.25rem;align-items:baseline;padding:.6rem 1.25rem;border-bottom:1px solid #e5e5e5}.lk-nav a{color:#32329f}</style>
</head><body>
<nav class="lk-nav"><strong>Latchkey API</strong><a href="${ERRORS_PATH}">Error codes</a><a href="/v1/openapi.json">OpenAPI document</a></nav>
<noscript><p style="padding:0 1.25rem">The reference is rendered with JavaScript. Without it, read the <a href="/v1/openapi.json">OpenAPI document</a> and the <a href="${ERRORS_PATH}">error codes</a>.</p></noscript>
<div id="reference"></div>
<script id="openapi" type="application/json">${jsonForHtml(doc)}</script>
<script src="${REDOC_PATH}"></script>
<script src="${INIT_PATH}"></script>
</body></html>
`;
}
