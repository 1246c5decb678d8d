// A runtime process's calls to the coordinator (`/v1/runtimes/*`), with its `rt_` credential.
import { readEnvelope } from './http-envelope.js';

export interface CoordinatorAnswer {
  status: number;
  body: unknown;
  /** The error envelope's code and message, when the answer is one. */
  error?: { code: string; message: string };
}

export interface CoordinatorClient {
  /** POSTs JSON; throws when the coordinator cannot be reached or does not answer in time. */
  post(path: string, body: unknown): Promise<CoordinatorAnswer>;
}

export function coordinatorClient(options: {
  serverUrl: string;
  credential: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): CoordinatorClient {
  const base = new URL(options.serverUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async post(path, body) {
      const res = await doFetch(new URL(path.replace(/^\//, ''), base), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.credential}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, error: readEnvelope(parsed) };
    },
  };
}
