// The error envelope both ends of the runtime HTTP protocol speak, and body reading
// with a size cap. Shared by the handler (runtime side) and the remote client.
import {
  DOCS_BASE,
  ERROR_CODES,
  type ErrorCode,
  type ErrorEnvelope,
  isErrorCode,
} from '@latchkey/core';

export function errorResponse(
  code: ErrorCode,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  const body: ErrorEnvelope = { error: { code, message, requestId, docs: `${DOCS_BASE}${code}` } };
  return Response.json(body, {
    status: ERROR_CODES[code].status,
    headers: { 'x-request-id': requestId, 'cache-control': 'no-store', ...headers },
  });
}

/** The code and message of an error envelope, or undefined when `body` is not one. */
export function readEnvelope(body: unknown): { code: ErrorCode; message: string } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || !isErrorCode(error.code)) return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '' };
}

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'PAYLOAD_TOO_LARGE' | 'INVALID_REQUEST'; message: string };

/** Reads a JSON body of at most `limit` bytes without buffering more than that. */
export async function readJsonBody(request: Request, limit: number): Promise<BodyResult> {
  const tooLarge = {
    ok: false,
    code: 'PAYLOAD_TOO_LARGE',
    message: `the body is larger than ${limit} bytes`,
  } as const;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return tooLarge;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return tooLarge;
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, code: 'INVALID_REQUEST', message: 'the body is not JSON' };
  }
}
