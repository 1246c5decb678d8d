import { ERROR_CODES, ERRORS_DOCS_PATH, type ErrorCodeInfo } from '@latchkey/core';

/** Where the error-code table is served; each code is an anchor on it (`#API_KEY_REVOKED`). */
export const ERRORS_PATH = ERRORS_DOCS_PATH;

/** The status cell: the HTTP status, and for the codes only clients raise, that they do. */
export const statusCell = ({ status, side }: ErrorCodeInfo) =>
  side === 'client' ? `${status || '—'} (client-side)` : String(status);

/** Only inline styles: the page needs nothing else, from anywhere. */
export const ERRORS_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * Every code in core's registry with its HTTP status and its fix, one row per code
 * with the code as its `id`, so an envelope's `docs` link lands on its row. Rendered
 * by the server: the anchors work without JavaScript.
 */
export function renderErrorsPage(): string {
  const rows = Object.entries(ERROR_CODES as Record<string, ErrorCodeInfo>)
    .map(
      ([code, info]) =>
        `<tr id="${code}"><td><a href="#${code}"><code>${code}</code></a></td><td>${statusCell(info)}</td><td>${escapeHtml(info.fix)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error codes · Latchkey API</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #e5e5e5;padding:.4rem .5rem;vertical-align:top}td a{color:inherit;text-decoration:none}tr:target{background:#fff7d6}code{font-size:13px}</style>
</head><body>
<p><a href="/docs">← API reference</a></p>
<h1>Error codes</h1>
<p>Every error answer is <code>{"error":{"code","message","requestId","docs"}}</code>. The <code>code</code> is stable and listed here; <code>message</code> is for people; <code>docs</code> links to the code's row below. Codes marked client-side are raised by the SDK or the CLI, never by the server.</p>
<table><thead><tr><th>Code</th><th>HTTP status</th><th>What to do</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
