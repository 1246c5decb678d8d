import {
  type ErrorCode,
  type ErrorEnvelope,
  errorDocsUrl,
  errorEnvelope,
  errorStatus,
  redactSecrets,
} from '@latchkey/core';
import type { Context } from 'hono';
import type { Failure } from '../services/result.js';

/** A refusal on its way to becoming an error envelope. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  static from(f: Failure, headers?: Record<string, string>) {
    return new HttpError(f.code, f.message, headers);
  }
}

/**
 * The code's row on this server's own error-code page, under `base` (its issuer URL).
 * Without a base (the admin socket has no URL) the link is relative to the server.
 */
export const docsUrl = (code: ErrorCode, base = '') => errorDocsUrl(code, base);

/** The error body. Key- and token-shaped text in the message is masked, wherever it came from. */
export function envelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  docsBase?: string,
): ErrorEnvelope {
  return errorEnvelope(code, redactSecrets(message), requestId, docsBase);
}

export function errorResponse(
  c: Context,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
) {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  return c.json(
    envelope(code, message, requestId, c.get('docsBase') as string | undefined),
    errorStatus(code) as never,
    headers,
  );
}
