// A runtime process's calls to the coordinator (`/v1/runtimes/*`), with its `rt_` credential.
import { callJson } from '@latchkey/core';

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
      const answer = await callJson(new URL(path.replace(/^\//, ''), base), {
        bearer: options.credential,
        body,
        timeoutMs,
        fetch: doFetch,
      });
      const error = answer.error && {
        code: answer.error.code,
        message: answer.error.message ?? '',
      };
      return { status: answer.status, body: answer.json, ...(error ? { error } : {}) };
    },
  };
}
