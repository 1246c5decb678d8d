import { DOCS_BASE, newId } from '@latchkey/core';
import { ERROR_CODES, type LatchkeyErrorCode } from '../errors.js';

/** A request handler in the Fetch API's terms: Next.js route handlers, Hono, Deno, Bun, workers. */
export type WebHandler = (request: Request) => Promise<Response>;

/**
 * An error response in the platform's envelope, so the browser SDK reads refusals
 * from your backend exactly as it reads the platform's (and adds the code's fix line).
 */
export function errorResponse(
  code: LatchkeyErrorCode,
  message: string,
  init: { headers?: Record<string, string>; requestId?: string | undefined } = {},
): Response {
  const requestId = init.requestId ?? newId('req');
  const status = ERROR_CODES[code].status || 500;
  return new Response(
    JSON.stringify({
      error: { code, message, requestId, docs: DOCS_BASE + code },
    }),
    {
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-request-id': requestId,
        ...init.headers,
      },
    },
  );
}

/** Where server helpers report what went wrong by default: one line, codes and ids, no secrets. */
export function defaultOnError(where: string) {
  return (error: unknown): void => {
    const e = error as { code?: unknown; message?: unknown; requestId?: unknown };
    const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
    const id = typeof e?.requestId === 'string' ? ` (request id ${e.requestId})` : '';
    console.error(`[latchkey] ${where}: ${code}${String(e?.message ?? error)}${id}`);
  };
}
