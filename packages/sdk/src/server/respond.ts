import { errorResponse as coreErrorResponse, type ErrorCode, newId } from '@latchkey/core';

/** A request handler in the Fetch API's terms: Next.js route handlers, Hono, Deno, Bun, workers. */
export type WebHandler = (request: Request) => Promise<Response>;

/**
 * An error response in the platform's envelope (core's), so the browser SDK reads
 * refusals from your backend exactly as it reads the platform's (and adds the code's
 * fix line). `docsBase` is the platform's URL: `docs` links to its error-code page.
 */
export function errorResponse(
  code: ErrorCode,
  message: string,
  init: {
    headers?: Record<string, string>;
    requestId?: string | undefined;
    docsBase?: string | undefined;
  } = {},
): Response {
  return coreErrorResponse(code, message, {
    requestId: init.requestId ?? newId('req'),
    docsBase: init.docsBase,
    ...(init.headers ? { headers: init.headers } : {}),
  });
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
