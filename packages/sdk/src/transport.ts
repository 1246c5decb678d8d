import { fetchFailureDetail } from '@latchkey/core';
import { isBrowser, SDK_VERSION } from './environment.js';
import { errorFromResponse, explain, LatchkeyError } from './errors.js';
import { MAX_RETRY_AFTER_SECONDS, retryDelayMs, sleep } from './retry.js';

/** Per-call options every SDK method takes. */
export interface RequestOptions {
  /** Aborts the call, including any wait between retries; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call (each attempt). */
  timeoutMs?: number | undefined;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number | undefined;
}

export interface Transport {
  fetch: typeof fetch;
  timeoutMs: number;
  maxRetries: number;
  /** The Authorization header value, or undefined to send none (proxy mode). */
  authorization(): Promise<string | undefined>;
  /** The platform's URL, where errors made here link to its `/docs/errors`; unset when unknown. */
  docsBase?: string | undefined;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  /**
   * Safe to send twice (GET, or a request with an idempotency key): retried on
   * network failures and timeouts too. Otherwise only on the statuses below.
   */
  idempotent: boolean;
  /** Statuses that mean "not processed, try again" for this call. */
  retryOn: readonly number[];
  /** How errors name the other end: "the Latchkey platform at …", "the token route …". */
  peer: string;
  /** Cookies policy for browsers; fetch's default (same-origin) when unset. */
  credentials?: RequestCredentials | undefined;
  /** Extra request headers (never authorization: that comes from the transport). */
  headers?: Record<string, string> | undefined;
  /**
   * What a 2xx response holds: JSON (the default; an empty body is `undefined`), or
   * bytes, returned as a Blob whose `type` is the response's Content-Type.
   */
  response?: 'json' | 'blob' | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

export const RETRY_IDEMPOTENT = [429, 502, 503, 504] as const;

class TimeoutSignal extends Error {}

function validateOverride(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new TypeError(`${name} must be a number from ${min} to ${max}`);
}

/**
 * Sends one API call: auth header, per-attempt timeout, the caller's AbortSignal,
 * retries with backoff that honour `Retry-After`, and errors as LatchkeyError.
 */
export async function send<T>(t: Transport, call: Call, options: RequestOptions = {}): Promise<T> {
  validateOverride('timeoutMs', options.timeoutMs, 1, 2_147_483_647);
  validateOverride('maxRetries', options.maxRetries, 0, 10);
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError('signal must be an AbortSignal');
  signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? t.timeoutMs;
  const maxRetries = options.maxRetries ?? t.maxRetries;

  for (let attempt = 0; ; attempt++) {
    const authorization = await t.authorization();
    signal?.throwIfAborted();
    const headers: Record<string, string> = {
      accept: call.response === 'blob' ? '*/*' : 'application/json',
      ...call.headers,
    };
    if (authorization !== undefined) headers.authorization = authorization;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (!isBrowser()) headers['user-agent'] = `latchkey-sdk-js/${SDK_VERSION}`;

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutSignal()), timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let failure: LatchkeyError;
    try {
      const res = await t.fetch(call.url, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        // The API never redirects; following one could carry the key somewhere else.
        redirect: 'error',
        signal: controller.signal,
        ...(call.credentials === undefined ? {} : { credentials: call.credentials }),
      });
      if (res.ok && call.response === 'blob') return (await res.blob()) as T;
      const text = await res.text();
      if (res.ok) {
        try {
          return (text === '' ? undefined : JSON.parse(text)) as T;
        } catch (cause) {
          throw new LatchkeyError(
            'INTERNAL_ERROR',
            explain(
              'INTERNAL_ERROR',
              `${call.peer} answered ${res.status} with a body that is not JSON`,
            ),
            {
              status: res.status,
              requestId: res.headers.get('x-request-id') ?? undefined,
              docsBase: t.docsBase,
              cause,
            },
          );
        }
      }
      failure = errorFromResponse(res, text, call.peer, t.docsBase);
    } catch (error) {
      if (error instanceof LatchkeyError) throw error;
      if (signal?.aborted) throw signal.reason;
      failure =
        controller.signal.reason instanceof TimeoutSignal
          ? new LatchkeyError(
              'TIMEOUT',
              explain('TIMEOUT', `no answer from ${call.peer} within ${timeoutMs} ms`),
              { docsBase: t.docsBase, cause: error },
            )
          : new LatchkeyError(
              'NETWORK_ERROR',
              explain(
                'NETWORK_ERROR',
                `could not reach ${call.peer} (${fetchFailureDetail(error)})`,
              ),
              { docsBase: t.docsBase, cause: error },
            );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    const retryable =
      failure.status === 0 ? call.idempotent : call.retryOn.includes(failure.status);
    if (!retryable || attempt >= maxRetries) throw failure;
    if (failure.retryAfter !== undefined && failure.retryAfter > MAX_RETRY_AFTER_SECONDS)
      throw failure;
    await sleep(retryDelayMs(attempt, failure.retryAfter), signal);
  }
}
