import { ERROR_CODES, type ErrorCode, errorDocsUrl, readEnvelopeText } from '@latchkey/core';
import { parseRetryAfter } from './retry.js';

/**
 * Every code a `LatchkeyError` can carry: core's one registry, which holds the
 * platform's codes and the client-side ones (`side: 'client'`) the SDK raises itself.
 */
export { ERROR_CODES };

/**
 * The codes only the SDK produces (`side: 'client'` in the registry). `status` 0
 * means no HTTP response was had. `UNAUTHORIZED` is what the SDK's own server helpers
 * answer when your `authorize` refuses a request, so the browser can tell "sign in"
 * from a platform error.
 */
export const SDK_ERROR_CODES = {
  NETWORK_ERROR: ERROR_CODES.NETWORK_ERROR,
  TIMEOUT: ERROR_CODES.TIMEOUT,
  UNAUTHORIZED: ERROR_CODES.UNAUTHORIZED,
} as const;

export type LatchkeyErrorCode = ErrorCode;

export interface LatchkeyErrorOptions {
  /** The HTTP status; 0 when there was no response (network failure, timeout). */
  status?: number | undefined;
  requestId?: string | undefined;
  /** Seconds the platform asked us to wait (`Retry-After`). */
  retryAfter?: number | undefined;
  /** A link to this code's documentation; from the server's envelope when it sent one. */
  docs?: string | undefined;
  /**
   * The platform's URL, when the error was made here rather than read from an
   * envelope: `docs` then links to that server's own `/docs/errors#CODE`.
   */
  docsBase?: string | undefined;
  cause?: unknown;
}

/**
 * The one error the SDK throws for anything the platform, the network or your own
 * backend refused. `code` is stable (switch on it); `message` is for people and says
 * what to do.
 *
 * @example
 * try {
 *   await client.tokens.create({ models: ['echo'] });
 * } catch (error) {
 *   if (error instanceof LatchkeyError && error.code === 'RATE_LIMITED') {
 *     console.log(`try again in ${error.retryAfter} s`);
 *   } else throw error;
 * }
 */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';
  /** A code from `ERROR_CODES`, or a newer platform's code this SDK does not know yet. */
  readonly code: LatchkeyErrorCode | (string & {});
  readonly status: number;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  /**
   * A link to this code's row on the platform's error-code page (`…/docs/errors#CODE`):
   * the server's own link, or one to the client's baseUrl for errors the SDK made;
   * undefined when the SDK made it without knowing a platform URL.
   */
  readonly docs: string | undefined;

  constructor(
    code: LatchkeyErrorCode | (string & {}),
    message: string,
    options: LatchkeyErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? knownCode(code)?.status ?? 0;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.docs =
      options.docs ??
      (options.docsBase === undefined ? undefined : errorDocsUrl(code, options.docsBase));
  }
}

function knownCode(code: string): { status: number; fix: string } | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as LatchkeyErrorCode] : undefined;
}

/** "what happened" + the code's fix line: the message of every LatchkeyError. */
export function explain(code: string, what: string): string {
  const sentence = what.trim().replace(/[.\s]+$/, '');
  const head = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  const fix = knownCode(code)?.fix;
  return fix ? `${head}. ${fix}` : `${head}.`;
}

const CODE_BY_STATUS: Record<number, LatchkeyErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'UNAVAILABLE',
};

/**
 * Turns a non-2xx response into a LatchkeyError: the `{error:{code,…}}` envelope when
 * there is one (the platform and the SDK's server helpers), else a code from the status.
 * `docsBase` (the platform's URL) links an error without an envelope to its docs.
 */
export function errorFromResponse(
  res: Response,
  bodyText: string,
  what: string,
  docsBase?: string,
): LatchkeyError {
  const envelope = readEnvelopeText(bodyText);
  const code = envelope?.code ?? CODE_BY_STATUS[res.status] ?? 'INTERNAL_ERROR';
  const message = envelope?.message
    ? envelope.message.slice(0, 500)
    : `${what} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new LatchkeyError(code, explain(code, message), {
    status: res.status,
    requestId: envelope?.requestId ?? res.headers.get('x-request-id') ?? undefined,
    retryAfter: parseRetryAfter(res.headers.get('retry-after')),
    docs: envelope?.docs,
    docsBase,
  });
}
