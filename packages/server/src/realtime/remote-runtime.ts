// The coordinator's side of the runtime HTTP protocol: a RuntimeHost for a runtime in
// another process. Its events arrive at the server (POST /v1/runtimes/events), which
// hands them to `deliver`.
import type { CloseReason, ModelInfo } from '@latchkey/core';
import {
  type HostResult,
  type JobOutput,
  OfferAnswerSchema,
  OpenSessionAnswerSchema,
  RefusalAnswerSchema,
  type RunJobRequest,
  type RuntimeCapacity,
  type RuntimeEvent,
  type RuntimeHost,
} from '@latchkey/core/node';
import type { z } from 'zod';

export interface RemoteRuntimeOptions {
  /** Where the runtime's handler is served (`http://10.0.0.5:8788`, `https://…/runtime-host`). */
  url: string;
  /** The bearer secret the runtime registered with. */
  secret: string;
  /** What it registered: its models and capacity. */
  models: ModelInfo[];
  capacity: RuntimeCapacity;
  fetch?: typeof fetch;
  /** Give up on a session call after this long. Default 10 s. */
  timeoutMs?: number;
  /** Give up on a job after this long. Default 120 s. */
  jobTimeoutMs?: number;
}

export interface RemoteRuntime extends RuntimeHost {
  /** Hands an event the runtime reported to this host's listeners. */
  deliver(event: RuntimeEvent): void;
  /** Records the sessions the runtime says it has (from its heartbeat). */
  setLiveSessions(ids: string[]): void;
}

type Answer = { status: number; headers: Headers; bytes: Uint8Array };
type Failure = { ok: false; code: 'UNAVAILABLE'; message: string };

const unavailable = (message: string): Failure => ({ ok: false, code: 'UNAVAILABLE', message });

/**
 * A `RuntimeHost` that forwards each call to a runtime over HTTP. Refusals come back
 * as the runtime's codes; a runtime that cannot be reached, times out or answers
 * something that is not the protocol is `UNAVAILABLE`. `close()` aborts calls in
 * flight and detaches listeners; it does not stop the remote process.
 *
 * @example
 * const host = createRemoteRuntime({ url: row.url, secret, models, capacity });
 * const opened = await host.openSession({ sessionId, model: 'echo', token, origin, expiresAt });
 */
export function createRemoteRuntime(options: RemoteRuntimeOptions): RemoteRuntime {
  let base: URL;
  try {
    base = new URL(options?.url);
  } catch {
    throw new TypeError('createRemoteRuntime: url must be an absolute http(s) URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError('createRemoteRuntime: url must be http(s)');
  if (typeof options.secret !== 'string' || options.secret.length === 0)
    throw new TypeError('createRemoteRuntime: secret is required');
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const jobTimeoutMs = options.jobTimeoutMs ?? 120_000;
  const models = structuredClone(options.models ?? []);
  const capacity = { ...options.capacity };
  const listeners = new Set<(event: RuntimeEvent) => void>();
  const stop = new AbortController();
  let live: string[] = [];

  async function call(
    method: string,
    path: string,
    body: unknown,
    timeout = timeoutMs,
  ): Promise<Answer | Failure> {
    const url = new URL(path, base);
    try {
      const res = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.secret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeout)]),
      });
      return {
        status: res.status,
        headers: res.headers,
        bytes: new Uint8Array(await res.arrayBuffer()),
      };
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      return unavailable(
        timedOut ? 'the runtime did not answer in time' : 'the runtime could not be reached',
      );
    }
  }

  /** A refusal from the runtime as its code, or UNAVAILABLE when the answer is not the protocol. */
  function refusal(answer: Answer): HostResult<never> {
    if (answer.status === 401 && answer.headers.has('www-authenticate'))
      // The runtime refused the coordinator itself, not the caller's token.
      return unavailable('the runtime refused the coordinator (stale runtime secret)');
    const envelope = RefusalAnswerSchema.safeParse(parse(answer.bytes));
    if (envelope.success && answer.status >= 400 && answer.status !== 500)
      return { ok: false, code: envelope.data.error.code, message: envelope.data.error.message };
    return unavailable(`the runtime answered HTTP ${answer.status}`);
  }

  async function jsonCall<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
  ): Promise<HostResult<z.output<S>>> {
    const answer = await call(method, path, body);
    if ('ok' in answer) return answer;
    if (answer.status !== 200) return refusal(answer);
    const value = schema.safeParse(parse(answer.bytes));
    return value.success
      ? { ok: true, value: value.data }
      : unavailable('the runtime answered something unexpected');
  }

  const sessionPath = (id: string) => `sessions/${encodeURIComponent(id)}`;

  return {
    models: () => structuredClone(models),
    capacity: () => ({ ...capacity }),
    liveSessions: () => [...live],
    openSession: (request) => jsonCall('POST', 'sessions', request, OpenSessionAnswerSchema),
    offer: (sessionId, sdp) =>
      jsonCall('POST', `${sessionPath(sessionId)}/offer`, { sdp }, OfferAnswerSchema),
    async closeSession(sessionId: string, reason: CloseReason) {
      // Best effort: if the runtime cannot be reached, its heartbeat answer closes the session later.
      await call(
        'DELETE',
        `${sessionPath(sessionId)}?reason=${encodeURIComponent(reason)}`,
        undefined,
      );
    },
    async validateJob(model, input) {
      const answer = await call('POST', 'jobs/validate', { model, input });
      if ('ok' in answer) return answer;
      return answer.status === 204 ? { ok: true, value: undefined } : refusal(answer);
    },
    async runJob(request: RunJobRequest): Promise<HostResult<JobOutput>> {
      const answer = await call('POST', 'jobs', request, jobTimeoutMs);
      if ('ok' in answer) return answer;
      if (answer.status !== 200) return refusal(answer);
      const contentType = answer.headers.get('content-type') ?? 'application/octet-stream';
      return { ok: true, value: { contentType, body: answer.bytes } };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliver(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch {
          // One listener's failure must not keep the event from the others.
        }
      }
    },
    setLiveSessions(ids) {
      live = Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
    },
    async close() {
      stop.abort();
      listeners.clear();
    },
  };
}

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}
