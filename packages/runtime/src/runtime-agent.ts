// A runtime in its own process (`latchkey runtime --server URL`): serves the runtime
// HTTP protocol, registers with the coordinator, heartbeats, forwards session events.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { backoffMs } from '@latchkey/core';
import {
  createVerifier,
  type EventsRequest,
  errorDetail,
  HeartbeatAnswerSchema,
  type HeartbeatRequest,
  type Logger,
  RegisterAnswerSchema,
  type RegisterRequest,
  type RuntimeCapacity,
  silentLogger,
  type TokenVerifier,
} from '@latchkey/core/node';
import { type CoordinatorAnswer, coordinatorClient } from './coordinator-client.js';
import { EventForwarder } from './event-forwarder.js';
import type { IceNetworkOptions } from './ice-network.js';
import type { Model } from './model.js';
import { toNodeListener } from './node-listener.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createRuntimeHandler } from './runtime-handler.js';

export interface RuntimeAgentOptions extends IceNetworkOptions {
  /** The coordinator (`latchkey serve`) to register with. */
  serverUrl: string;
  /** The runtime credential (`rt_…`) from `latchkey admin runtime create`. */
  credential: string;
  /** Address the runtime's HTTP API listens on. Default 127.0.0.1. */
  host?: string;
  /** Port for it. Default 0 (any free port). */
  port?: number;
  /** The URL the coordinator reaches this runtime at, when it is not the listening one (proxy, NAT). */
  advertiseUrl?: string;
  models?: Model[];
  capacity?: Partial<RuntimeCapacity>;
  log?: Logger;
  /** Heartbeat period. Default what the coordinator asks for, else 2 s. */
  heartbeatMs?: number;
}

export interface RuntimeAgent {
  /** Where the runtime's HTTP API is reached (what it registered). */
  url: string;
  /** The coordinator's id for this runtime. */
  runtimeId: string;
  runtime: Runtime;
  /**
   * Registers again now, so the coordinator learns what changed in the models (a
   * deployed model's state). Rejects with a RegistrationError when it is refused.
   */
  announce(): Promise<void>;
  /** Ends every session (runtime_shutdown), sends the last events, deregisters, stops listening. */
  close(): Promise<void>;
}

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const REGISTER_ATTEMPTS = 6;
const FLUSH_ON_CLOSE_MS = 3000;

/** Registering failed; `final` when retrying cannot help (a 4xx, an answer this runtime cannot use). */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  constructor(
    message: string,
    /** The coordinator's code (RUNTIME_CREDENTIAL_INVALID, …), when it answered with one. */
    readonly code: string | undefined,
    readonly final: boolean,
  ) {
    super(message);
  }
}

const describe = (a: CoordinatorAnswer) =>
  a.error ? `${a.error.code}: ${a.error.message}` : `HTTP ${a.status}`;

/**
 * Starts a runtime that serves models for a coordinator in another process.
 *
 * @example
 * const agent = await startRuntimeAgent({ serverUrl: 'http://10.0.0.2:8787', credential: process.env.LATCHKEY_RUNTIME_CREDENTIAL });
 * process.on('SIGTERM', () => agent.close());
 */
export async function startRuntimeAgent(options: RuntimeAgentOptions): Promise<RuntimeAgent> {
  if (!options || typeof options.credential !== 'string' || !options.credential)
    throw new TypeError('startRuntimeAgent: credential (rt_…) is required');
  let serverUrl: URL;
  try {
    serverUrl = new URL(options.serverUrl);
  } catch {
    throw new TypeError('startRuntimeAgent: serverUrl must be an absolute http(s) URL');
  }
  if (serverUrl.protocol !== 'http:' && serverUrl.protocol !== 'https:')
    throw new TypeError('startRuntimeAgent: serverUrl must be http(s)');
  const log = options.log ?? silentLogger;
  const coordinator = coordinatorClient({
    serverUrl: serverUrl.href,
    credential: options.credential,
  });
  const instanceId = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  let verifier: TokenVerifier | undefined;
  let runtimeId = '';
  let heartbeatMs = options.heartbeatMs ?? 2000;

  const runtime = createRuntime({
    models: options.models,
    capacity: options.capacity,
    hostAddresses: options.hostAddresses,
    announcedAddresses: options.announcedAddresses,
    rtcPorts: options.rtcPorts,
    turn: options.turn,
    log,
    verifyToken: (token) =>
      verifier
        ? verifier(token)
        : Promise.resolve({
            ok: false,
            code: 'INVALID_TOKEN',
            message: 'the runtime is not registered yet',
          }),
  });
  const server = http.createServer(
    toNodeListener(createRuntimeHandler(runtime, { secret, log }), log),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = (options.advertiseUrl ?? `http://${hostPart}:${address.port}`).replace(/\/+$/, '');
  if (!options.advertiseUrl && (address.address === '0.0.0.0' || address.address === '::'))
    log.warn(
      'listening on all addresses without advertiseUrl; the coordinator may not reach this URL',
      { url },
    );

  async function register(): Promise<void> {
    const answer = await coordinator.post('v1/runtimes/register', {
      instanceId,
      url,
      models: runtime.models(),
      capacity: runtime.capacity(),
      secret,
      version: VERSION,
    } satisfies RegisterRequest);
    if (answer.status !== 200) {
      // `code` is the coordinator's (RUNTIME_CREDENTIAL_REVOKED, …): the CLI prints it as
      // is. A 5xx may pass; a 4xx will not.
      throw new RegistrationError(
        `the coordinator refused to register this runtime (${describe(answer)})`,
        answer.error?.code,
        answer.status < 500,
      );
    }
    const unexpected = () =>
      new RegistrationError(
        'the coordinator answered the registration with something unexpected',
        undefined,
        true,
      );
    const body = RegisterAnswerSchema.safeParse(answer.body);
    if (!body.success) throw unexpected();
    const r = body.data;
    try {
      verifier = createVerifier({
        jwks: new URL(r.jwksUrl, serverUrl),
        issuer: r.issuer,
        audience: r.audience,
      });
    } catch {
      throw unexpected();
    }
    runtimeId = r.runtimeId;
    if (options.heartbeatMs === undefined && r.heartbeatSeconds)
      heartbeatMs = r.heartbeatSeconds * 1000;
    log.info('runtime registered', { runtimeId, url, server: serverUrl.origin });
  }

  let reregistering: Promise<void> | undefined;
  const reregister = () => {
    reregistering ??= register()
      .catch((error) => log.warn('re-registering failed', { error: (error as Error).message }))
      .finally(() => {
        reregistering = undefined;
      });
    return reregistering;
  };

  const forwarder = new EventForwarder({
    log,
    async send(events) {
      const answer = await coordinator.post('v1/runtimes/events', {
        instanceId,
        events,
      } satisfies EventsRequest);
      if (answer.status === 409 || answer.status === 404) await reregister();
      else if (answer.status >= 400 && answer.status < 500) {
        // Refused for good (a revoked credential, a body it will never take): retrying cannot help.
        log.warn('the coordinator refused runtime events; dropping them', {
          status: answer.status,
          error: answer.error?.code,
          events: events.length,
        });
        return true;
      }
      return answer.status >= 200 && answer.status < 300;
    },
  });
  const unsubscribe = runtime.onEvent((event) => forwarder.push(event));

  for (let attempt = 1; ; attempt++) {
    try {
      await register();
      break;
    } catch (error) {
      // Network errors and 5xx are retried: the coordinator may be starting too.
      const final =
        attempt >= REGISTER_ATTEMPTS || (error instanceof RegistrationError && error.final);
      if (final) {
        unsubscribe();
        forwarder.stop();
        await runtime.close();
        await new Promise((resolve) => server.close(resolve));
        throw error;
      }
      log.warn('registering failed; retrying', { attempt, error: (error as Error).message });
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 250 })));
    }
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  const beat = () => {
    beating = heartbeat().finally(() => {
      beating = undefined;
      if (!stopped) timer = setTimeout(beat, heartbeatMs);
    });
  };
  async function heartbeat(): Promise<void> {
    try {
      const answer = await coordinator.post('v1/runtimes/heartbeat', {
        instanceId,
        sessions: runtime.liveSessions(),
      } satisfies HeartbeatRequest);
      if (answer.status === 409 || answer.status === 404) {
        log.warn('the coordinator does not know this runtime instance; registering again', {
          runtimeId,
        });
        await reregister();
      } else if (answer.status === 401) {
        // The coordinator no longer accepts this runtime (RUNTIME_CREDENTIAL_REVOKED, or
        // _INVALID once the runtime is deleted): nothing it hosts may go on.
        log.error('the coordinator refused this runtime; ending its sessions', {
          error: answer.error?.code,
        });
        for (const id of runtime.liveSessions()) void runtime.closeSession(id, 'runtime_lost');
      } else if (answer.status !== 200) {
        log.warn('heartbeat refused', { status: answer.status, error: answer.error?.code });
      } else {
        const body = HeartbeatAnswerSchema.safeParse(answer.body);
        for (const { sessionId, reason } of body.success ? body.data.close : [])
          void runtime.closeSession(sessionId, reason);
      }
    } catch (error) {
      log.warn('heartbeat failed', { error: errorDetail(error) });
    }
  }
  timer = setTimeout(beat, heartbeatMs);

  let closing: Promise<void> | undefined;
  return {
    url,
    get runtimeId() {
      return runtimeId;
    },
    runtime,
    // Not once closing: registering again would put a runtime that is going away back online.
    announce: () =>
      closing
        ? Promise.reject(new RegistrationError('the runtime is stopping', undefined, true))
        : register(),
    close() {
      closing ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await beating;
        await runtime.close();
        unsubscribe();
        if (!(await forwarder.flush(FLUSH_ON_CLOSE_MS)))
          log.warn('some runtime events could not be sent before shutdown', {
            pending: forwarder.pending,
          });
        forwarder.stop();
        await coordinator
          .post('v1/runtimes/deregister', { instanceId })
          .catch((error) => log.warn('deregistering failed', { error: errorDetail(error) }));
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        log.info('runtime stopped', { runtimeId });
      })();
      return closing;
    },
  };
}
