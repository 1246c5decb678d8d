// A runtime for a coordinator to host in its own process (`latchkey serve`): the
// factory `startServer` takes, so the server never imports this package.
import type { EmbeddedRuntimeFactory } from '@latchkey/core/node';
import { createRuntime, type RuntimeOptions } from './runtime.js';
import { createRuntimeHandler } from './runtime-handler.js';

/** Everything but what the coordinator supplies (its token verifier, and its log by default). */
export type EmbeddedRuntimeOptions = Omit<RuntimeOptions, 'verifyToken'>;

/**
 * A runtime that verifies tokens with the coordinator's own keys and serves the runtime
 * HTTP protocol (with the coordinator's secret) to its other processes. Options win
 * over the coordinator's media settings and log.
 *
 * @example
 * await startServer(config, { runtime: embeddedRuntime({ models: defaultModels() }) });
 */
export function embeddedRuntime(options: EmbeddedRuntimeOptions = {}): EmbeddedRuntimeFactory {
  return ({ verifyToken, log, secret, network }) => {
    const host = createRuntime({
      hostAddresses: network.hostAddresses,
      announcedAddresses: network.announcedAddresses,
      rtcPorts: network.rtcPorts,
      log,
      ...options,
      verifyToken,
    });
    return { host, handler: createRuntimeHandler(host, { secret, log }) };
  };
}
