// A JSON request body of the runtime's HTTP protocol, read with core's capped reader
// (the envelope it answers with is core's `errorResponse`).
import { readCappedText } from '@latchkey/core';

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
