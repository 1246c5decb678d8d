// The runtime HTTP protocol's error envelope and capped body reading, in this package's
// terms. The envelope and the reader themselves are core's (`errorResponse`,
// `readEnvelope`, `readCappedText`), shared with the server, the SDK and the CLI.
import {
  errorResponse as coreErrorResponse,
  readEnvelope as coreReadEnvelope,
  type ErrorCode,
  isErrorCode,
  readCappedText,
} from '@latchkey/core';

export function errorResponse(
  code: ErrorCode,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return coreErrorResponse(code, message, { requestId, headers });
}

/** The code and message of an error envelope, or undefined when `body` is not one this build knows. */
export function readEnvelope(body: unknown): { code: ErrorCode; message: string } | undefined {
  const envelope = coreReadEnvelope(body);
  if (!envelope || !isErrorCode(envelope.code)) return undefined;
  return { code: envelope.code, message: envelope.message ?? '' };
}

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'PAYLOAD_TOO_LARGE' | 'INVALID_REQUEST'; message: string };

/** Reads a JSON body of at most `limit` bytes without buffering more than that. */
export async function readJsonBody(request: Request, limit: number): Promise<BodyResult> {
  const read = await readCappedText(request, limit);
  if (!read.ok)
    return {
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      message: `the body is larger than ${limit} bytes`,
    };
  try {
    return { ok: true, value: JSON.parse(read.text) };
  } catch {
    return { ok: false, code: 'INVALID_REQUEST', message: 'the body is not JSON' };
  }
}
