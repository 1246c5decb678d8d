/**
 * The one registry of error codes. Server, SDK and CLI share it: a code is a
 * stable string, `status` is its HTTP status, `fix` is one line that says what to do.
 */
export const ERROR_CODES = {
  MISSING_API_KEY: {
    status: 401,
    fix: 'Send your key as "Authorization: Bearer rk_…" or "X-API-Key".',
  },
  INVALID_API_KEY: {
    status: 401,
    fix: 'Check the key for typos; keys start with rk_ (app) or rp_ (partner).',
  },
  API_KEY_EXPIRED: {
    status: 401,
    fix: 'The key has expired; create a new one and update your backend.',
  },
  API_KEY_REVOKED: {
    status: 401,
    fix: 'The key was revoked by an org admin; create a new one and update your backend.',
  },
  WRONG_KEY_KIND: {
    status: 403,
    fix: 'Use an app key (rk_) to mint session tokens and a partner key (rp_) for partner operations.',
  },
  INVALID_TOKEN: { status: 401, fix: 'Mint a new session token from your backend.' },
  TOKEN_EXPIRED: { status: 401, fix: 'The session token has expired; mint a new one.' },
  INVALID_REQUEST: { status: 400, fix: 'Fix the named field and send the request again.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    fix: 'Send the body as JSON with "Content-Type: application/json".',
  },
  PAYLOAD_TOO_LARGE: { status: 413, fix: 'Send a smaller request body.' },
  HEADERS_TOO_LARGE: { status: 431, fix: 'Send smaller request headers.' },
  RATE_LIMITED: {
    status: 429,
    fix: 'Slow down and retry after the number of seconds in Retry-After.',
  },
  NOT_FOUND: { status: 404, fix: 'Check the id or path.' },
  METHOD_NOT_ALLOWED: { status: 405, fix: 'Check the HTTP method for this path in /docs.' },
  CONFLICT: { status: 409, fix: 'Pick another value; this one is taken.' },
  MODEL_NOT_FOUND: {
    status: 404,
    fix: 'Check the model name; GET /v1/models lists the models this platform serves.',
  },
  MODEL_NOT_ALLOWED: {
    status: 403,
    fix: "Mint a session token whose grant lists this model (models: ['…']) on your backend.",
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    fix: "Open the session from an origin in the token's grant (origins), or mint a token for this origin.",
  },
  SESSION_LIMIT: {
    status: 409,
    fix: 'Close one of the sessions open under this token, or mint a token with a higher maxSessions.',
  },
  SESSION_CLOSED: {
    status: 409,
    fix: 'This session has ended; open a new one.',
  },
  MODEL_UNAVAILABLE: {
    status: 503,
    fix: 'No runtime serving this model has room right now; retry shortly, or ask the operator to add runtimes.',
  },
  UNKNOWN_COMMAND: {
    status: 400,
    fix: "Send one of the commands the model lists in its 'ready' message.",
  },
  COMMAND_FAILED: {
    status: 500,
    fix: 'The model could not carry out the command; retry, and report the session id if it persists.',
  },
  JOB_NOT_FINISHED: {
    status: 409,
    fix: "Poll GET /v1/jobs/{id} until its state is 'succeeded', then fetch the result.",
  },
  JOB_FAILED: {
    status: 409,
    fix: 'The job failed (its error says why); submit a new one.',
  },
  MEDIA_CONNECT_FAILED: {
    status: 502,
    fix: "Is the runtime's address reachable from the browser? The operator sets LATCHKEY_ICE_HOST_ADDRESSES (or LATCHKEY_ICE_ANNOUNCED_ADDRESS behind 1:1 NAT) to an address browsers reach, with its UDP ports (LATCHKEY_RTC_PORTS) open, or gives browsers a TURN server (LATCHKEY_TURN_URLS and LATCHKEY_TURN_SECRET).",
  },
  MEDIA_PORTS_EXHAUSTED: {
    status: 503,
    fix: 'The runtime has no free UDP port for media in LATCHKEY_RTC_PORTS; retry shortly, widen the range, or add runtimes.',
  },
  REGISTRY_NOT_CONFIGURED: {
    status: 404,
    fix: 'Ask the operator to start Latchkey with --registry HOST:PORT (or LATCHKEY_REGISTRY).',
  },
  UNAVAILABLE: {
    status: 503,
    fix: 'The service cannot reach a dependency (database, Redis or a runtime); retry shortly.',
  },
  INTERNAL_ERROR: {
    status: 500,
    fix: 'Retry; if it persists, report the request id to the operator.',
  },
} as const satisfies Record<string, { status: number; fix: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; docs: string };
}

export const DOCS_BASE = 'https://latchkey.dev/docs/errors#';

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The fix line for a code, for CLIs and SDK messages. */
export function errorFix(code: ErrorCode): string {
  return ERROR_CODES[code].fix;
}
