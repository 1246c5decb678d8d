// The error envelope every Latchkey HTTP answer speaks, written and read in one place:
// the server, the runtime's HTTP API, the SDK's server helpers, the SDK and the CLI.
import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, errorDocsUrl } from './errors.js';

/** The envelope's body. `docsBase` is the answering server's URL (its `/docs/errors` page). */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  docsBase?: string,
): ErrorEnvelope {
  return { error: { code, message, requestId, docs: errorDocsUrl(code, docsBase) } };
}

/**
 * An envelope as a Fetch `Response`, with the code's status (500 for a client-side
 * code, which has none), `no-store`, and the request id in `x-request-id`.
 */
export function errorResponse(
  code: ErrorCode,
  message: string,
  init: { requestId: string; headers?: Record<string, string>; docsBase?: string | undefined },
): Response {
  return new Response(JSON.stringify(errorEnvelope(code, message, init.requestId, init.docsBase)), {
    status: ERROR_CODES[code].status || 500,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': init.requestId,
      ...init.headers,
    },
  });
}

/** What an envelope says, field by field; any field may be missing from a peer's answer. */
export interface EnvelopeFields {
  /** A well-formed code (upper case, digits, `_`); not necessarily one this build knows. */
  code: string;
  message: string | undefined;
  requestId: string | undefined;
  docs: string | undefined;
}

const CODE_SHAPE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Reads `{"error":{"code",…}}` from a parsed body; undefined when it is not an envelope. */
export function readEnvelope(body: unknown): EnvelopeFields | undefined {
  const error = (body as { error?: Record<string, unknown> } | null | undefined)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, requestId, docs } = error;
  if (typeof code !== 'string' || !CODE_SHAPE.test(code)) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { code, message: text(message), requestId: text(requestId), docs: text(docs) };
}

/** `readEnvelope` over response text; undefined when the text is not JSON or not an envelope. */
export function readEnvelopeText(text: string): EnvelopeFields | undefined {
  try {
    return readEnvelope(JSON.parse(text));
  } catch {
    return undefined;
  }
}
