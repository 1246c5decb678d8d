import { ERROR_CODES, isErrorCode } from '@latchkey/core';

/**
 * A refusal from the management API (its error envelope), or a failure to reach it.
 * `fix` is the one line core's error registry says to do about the code.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly docs?: string,
  ) {
    super(message);
  }

  get fix(): string | undefined {
    return isErrorCode(this.code) ? ERROR_CODES[this.code].fix : undefined;
  }
}

type Query = Record<string, string | number | undefined | null>;

/** `path?query`, leaving out empty values. */
export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Encodes one path segment (an org slug, a key id, an invitation token). */
export const seg = (value: string) => encodeURIComponent(value);

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'the server did not answer');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (
      json as
        | { error?: { code?: string; message?: string; requestId?: string; docs?: string } }
        | undefined
    )?.error;
    throw new ApiError(
      res.status,
      e?.code ?? 'INTERNAL_ERROR',
      e?.message ?? `the server answered HTTP ${res.status}`,
      e?.requestId ?? res.headers.get('x-request-id') ?? undefined,
      e?.docs,
    );
  }
  return json as T;
}

/** The one way the dashboard talks to the server: the public management API, same origin. */
export const http = {
  get: <T>(path: string, query?: Query) => call<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  delete: <T>(path: string) => call<T>('DELETE', path),
};
