import { ERROR_CODES as CORE_ERROR_CODES, DOCS_BASE } from '@latchkey/core';
import { parseRetryAfter } from './retry.js';

/**
 * Codes only the SDK produces. `status` 0 means no HTTP response was had.
 * `UNAUTHORIZED` is what the SDK's own server helpers answer when your `authorize`
 * refuses a request, so the browser can tell "sign in" from a platform error.
 */
export const SDK_ERROR_CODES = {
  NETWORK_ERROR: {
    status: 0,
    fix: 'Check baseUrl (or LATCHKEY_BASE_URL) and that the platform is running and reachable from here.',
  },
  TIMEOUT: {
    status: 0,
    fix: 'The platform did not answer in time; retry, or raise timeoutMs if it is just slow.',
  },
  UNAUTHORIZED: {
    status: 401,
    fix: 'Sign in to the app first: its backend hands out Latchkey access only to users its authorize() accepts.',
  },
} as const satisfies Record<string, { status: number; fix: string }>;

/** Every code a `LatchkeyError` can carry: the platform's registry (from core) plus the SDK's own. */
export const ERROR_CODES: typeof CORE_ERROR_CODES & typeof SDK_ERROR_CODES = {
  ...CORE_ERROR_CODES,
  ...SDK_ERROR_CODES,
};

export type LatchkeyErrorCode = keyof typeof ERROR_CODES;

export interface LatchkeyErrorOptions {
  /** The HTTP status; 0 when there was no response (network failure, timeout). */
  status?: number | undefined;
  requestId?: string | undefined;
  /** Seconds the platform asked us to wait (`Retry-After`). */
  retryAfter?: number | undefined;
  docs?: string | undefined;
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
  /** A link to this code's documentation. */
  readonly docs: string;

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
    this.docs = options.docs ?? DOCS_BASE + code;
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

interface Envelope {
  error?: { code?: unknown; message?: unknown; requestId?: unknown; docs?: unknown };
}

/**
 * Turns a non-2xx response into a LatchkeyError: the `{error:{code,…}}` envelope when
 * there is one (the platform and the SDK's server helpers), else a code from the status.
 */
export function errorFromResponse(res: Response, bodyText: string, what: string): LatchkeyError {
  let envelope: Envelope['error'];
  try {
    envelope = (JSON.parse(bodyText) as Envelope).error;
  } catch {
    envelope = undefined;
  }
  const envCode = envelope?.code;
  const code =
    typeof envCode === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(envCode)
      ? envCode
      : (CODE_BY_STATUS[res.status] ?? 'INTERNAL_ERROR');
  const message =
    typeof envelope?.message === 'string' && envelope.message !== ''
      ? envelope.message.slice(0, 500)
      : `${what} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const requestId =
    typeof envelope?.requestId === 'string'
      ? envelope.requestId
      : (res.headers.get('x-request-id') ?? undefined);
  return new LatchkeyError(code, explain(code, message), {
    status: res.status,
    requestId,
    retryAfter: parseRetryAfter(res.headers.get('retry-after')),
    docs: typeof envelope?.docs === 'string' ? envelope.docs : undefined,
  });
}
