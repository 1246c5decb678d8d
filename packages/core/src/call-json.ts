// One JSON call over fetch with a deadline: what the CLI, the runtime's coordinator
// client and the coordinator's client for remote runtimes each did by hand.
import { type EnvelopeFields, readEnvelope } from './error-envelope.js';

export interface JsonCallInit {
  method?: string;
  /** Sent as `Authorization: Bearer …`. */
  bearer?: string | undefined;
  /** Sent as JSON with `content-type: application/json`; no body when undefined. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The whole call's deadline; past it the call rejects with a `TimeoutError`. */
  timeoutMs: number;
  /** Aborts the call early too. */
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  bytes: Uint8Array<ArrayBuffer>;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: unknown;
  /** The error envelope, when the body is one. */
  error: EnvelopeFields | undefined;
}

/**
 * Sends one request and reads the whole answer. Rejects only when no answer came (the
 * network, the deadline, the signal): every HTTP status is an answer.
 */
export async function callJson(url: string | URL, init: JsonCallInit): Promise<JsonAnswer> {
  const deadline = AbortSignal.timeout(init.timeoutMs);
  const res = await (init.fetch ?? fetch)(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...init.headers,
      ...(init.bearer === undefined ? {} : { authorization: `Bearer ${init.bearer}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let json: unknown;
  try {
    json = bytes.byteLength === 0 ? undefined : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json, error: readEnvelope(json) };
}

/** Why a fetch got no answer, in a word where there is one (`ECONNREFUSED`). */
export function fetchFailureDetail(error: unknown): string {
  const e = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const inner = e?.cause;
  if (inner && typeof inner.code === 'string') return inner.code;
  if (inner && typeof inner.message === 'string') return inner.message;
  return typeof e?.message === 'string' ? e.message : String(error);
}
