/** One code's entry: its HTTP status, one line that says what to do, and who answers it. */
export interface ErrorCodeInfo {
  /** The HTTP status; 0 for a client-side code that stands for no HTTP answer at all. */
  readonly status: number;
  readonly fix: string;
  /** `'client'`: raised by the SDK or the CLI, never in a server's envelope. Absent: the server answers it. */
  readonly side?: 'client';
}

/** Codes the server answers in its error envelope. */
const SERVER_ERROR_CODES = {
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
  NOT_SIGNED_IN: {
    status: 401,
    fix: 'Sign in (POST /v1/auth/sign-in/email) and send the session cookie; API keys and session tokens never authorize management routes.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    fix: 'Check the email and password, or reset the password (POST /v1/auth/request-password-reset).',
  },
  INVALID_TWO_FACTOR_CODE: {
    status: 401,
    fix: 'Enter the current 6-digit code from your authenticator app, or one of your backup codes.',
  },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    fix: 'Open the verification link mailed to you, or ask for a new one (POST /v1/auth/send-verification-email).',
  },
  EMAIL_TAKEN: {
    status: 409,
    fix: 'An account with this email exists: sign in, or reset its password.',
  },
  SIGNUP_CLOSED: {
    status: 403,
    fix: 'This server takes new accounts by invitation only (LATCHKEY_SIGNUP); ask an org admin for an invitation link.',
  },
  INVALID_LINK: {
    status: 400,
    fix: 'The link has expired or was already used; ask for a new one.',
  },
  CSRF_REJECTED: {
    status: 403,
    fix: "Send state-changing requests from this server's own origin (the dashboard), or from a client that sends no Origin header (curl, scripts).",
  },
  DEVELOPER_ROLE_REQUIRED: {
    status: 403,
    fix: 'Ask an admin or owner of the org to give you the developer role (or higher).',
  },
  ADMIN_ROLE_REQUIRED: {
    status: 403,
    fix: 'Ask an owner of the org to give you the admin role (or higher).',
  },
  OWNER_ROLE_REQUIRED: {
    status: 403,
    fix: 'Only an owner of the org may do this; ask one.',
  },
  INSTANCE_ADMIN_REQUIRED: {
    status: 403,
    fix: "Only the operator's instance admins may do this.",
  },
  LAST_OWNER: {
    status: 409,
    fix: 'Make another member an owner first; an org always keeps at least one owner.',
  },
  INVITATION_EXPIRED: {
    status: 410,
    fix: 'The invitation has expired or was already used; ask an org admin for a new one.',
  },
  INVITATION_EMAIL_MISMATCH: {
    status: 403,
    fix: 'This invitation is for another email address; sign in with that one, or ask for a new invitation.',
  },
  DEVICE_AUTHORIZATION_PENDING: {
    status: 400,
    fix: 'Not approved yet: poll again after the interval.',
  },
  DEVICE_SLOW_DOWN: {
    status: 429,
    fix: 'Poll less often: wait the seconds in Retry-After.',
  },
  DEVICE_CODE_EXPIRED: {
    status: 410,
    fix: 'The sign-in code expired or was used; run latchkey auth login again.',
  },
  DEVICE_ACCESS_DENIED: {
    status: 403,
    fix: 'The sign-in was declined in the browser; run latchkey auth login again.',
  },
  MODEL_EXISTS: {
    status: 409,
    fix: 'A model of this name is registered already; publish a new version of it, or pick another name.',
  },
  MODEL_VERSION_EXISTS: {
    status: 409,
    fix: 'This version is published already (versions never change); publish under a new version.',
  },
  MODEL_VERSION_NOT_FOUND: {
    status: 404,
    fix: 'Check the version; latchkey model status NAME (or GET /v1/models) lists the published ones.',
  },
  MODEL_RETIRED: {
    status: 410,
    fix: 'This version was retired; use the model without @version (its default) or another version.',
  },
  IMAGE_NOT_FOUND: {
    status: 400,
    fix: "Push the image first (docker push HOST/<org-slug>/NAME:TAG); it must be in your org's namespace of the platform's registry.",
  },
  WEIGHTS_NOT_FOUND: {
    status: 404,
    fix: 'Push the weights first: latchkey model weights push NAME --version V ./dir.',
  },
  WEIGHTS_VERSION_EXISTS: {
    status: 409,
    fix: 'These weights are recorded already under this version; push under a new version, or delete the old one first.',
  },
  REGISTRY_UNAVAILABLE: {
    status: 502,
    fix: 'The platform could not reach its container registry; retry shortly, or ask the operator to check it.',
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

/** Codes the coordinator answers to a runtime process (`rt_…` credentials); the fix speaks to an operator. */
const RUNTIME_ERROR_CODES = {
  RUNTIME_CREDENTIAL_INVALID: {
    status: 401,
    fix: 'Check the runtime credential (rt_…); the operator creates one with latchkey admin runtime create.',
  },
  RUNTIME_CREDENTIAL_REVOKED: {
    status: 401,
    fix: 'The runtime credential was revoked; create a new one with latchkey admin runtime create and restart the runtime with it.',
  },
  RUNTIME_MODEL_NOT_ALLOWED: {
    status: 403,
    fix: "A partner runtime serves only its own org's registered models (<org-slug>/<name>); register the model first, or use a credential of the org that owns it.",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** Codes only clients raise (the SDK, the CLI): no server sends them. */
const CLIENT_ERROR_CODES = {
  NETWORK_ERROR: {
    status: 0,
    side: 'client',
    fix: 'Check baseUrl (or LATCHKEY_BASE_URL) and that the platform is running and reachable from here.',
  },
  TIMEOUT: {
    status: 0,
    side: 'client',
    fix: 'The platform did not answer in time; retry, or raise timeoutMs if it is just slow.',
  },
  UNAUTHORIZED: {
    status: 401,
    side: 'client',
    fix: 'Sign in to the app first: its backend hands out Latchkey access only to users its authorize() accepts.',
  },
  USAGE: {
    status: 0,
    side: 'client',
    fix: 'Check the command and its flags (latchkey <command> --help).',
  },
  CONFIG: {
    status: 0,
    side: 'client',
    fix: 'Fix the named setting (flag or environment variable).',
  },
  DATA_DIR_BUSY: {
    status: 0,
    side: 'client',
    fix: 'Another process holds the data dir; stop it, or wait until it has started and retry.',
  },
  NOT_LOGGED_IN: {
    status: 0,
    side: 'client',
    fix: 'Run latchkey auth login.',
  },
  SERVER_UNREACHABLE: {
    status: 0,
    side: 'client',
    fix: 'Check the server URL and your network; log in to another with latchkey auth login --server URL.',
  },
  WEIGHTS_DIGEST_MISMATCH: {
    status: 0,
    side: 'client',
    fix: 'A downloaded file did not match its recorded digest; pull again (the bad copy was removed).',
  },
  REGISTRY_UNAUTHORIZED: {
    status: 401,
    side: 'client',
    fix: 'Run latchkey auth docker-login (add --helper so it never expires).',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/**
 * The one registry of error codes. Server, SDK and CLI share it: a code is a
 * stable string, `status` is its HTTP status, `fix` is one line that says what to do,
 * and `side: 'client'` marks the codes only a client raises.
 */
export const ERROR_CODES: typeof SERVER_ERROR_CODES &
  typeof RUNTIME_ERROR_CODES &
  typeof CLIENT_ERROR_CODES = {
  ...SERVER_ERROR_CODES,
  ...RUNTIME_ERROR_CODES,
  ...CLIENT_ERROR_CODES,
};

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; docs: string };
}

/** Where a Latchkey server serves its error-code table; each code is an anchor on it. */
export const ERRORS_DOCS_PATH = '/docs/errors';

/**
 * The code's row on a server's error-code page: `${base}/docs/errors#CODE`, where
 * `base` is the server's URL. Without one the link is relative to the server.
 */
export function errorDocsUrl(code: string, base = ''): string {
  return `${base.replace(/\/+$/, '')}${ERRORS_DOCS_PATH}#${code}`;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The fix line for a code, for CLIs and SDK messages. */
export function errorFix(code: ErrorCode): string {
  return ERROR_CODES[code].fix;
}

/** The HTTP status to answer a code with: its own, or 500 for a client-side code that has none. */
export function errorStatus(code: ErrorCode): number {
  return ERROR_CODES[code].status || 500;
}
