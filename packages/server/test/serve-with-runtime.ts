// The server's tests start it as `latchkey serve` does: with an embedded runtime
// (the demo models unless a test names its own), which the CLI builds and hands over.
// The one place the server's tests reach into @latchkey/runtime for a server.
import { type EmbeddedRuntimeOptions, embeddedRuntime } from '@latchkey/runtime';
import type { ServerConfig } from '../src/index.js';
import { type RunningServer, type ServeOptions, startServer as start } from '../src/serve.js';

export interface TestServeOptions extends Omit<ServeOptions, 'runtime'> {
  /** The embedded runtime's options, or `false` for none. Default: the demo models. */
  runtime?: false | EmbeddedRuntimeOptions;
}

/** `startServer` with an embedded runtime built from `options.runtime`. */
export function startServer(
  config: ServerConfig,
  options: TestServeOptions = {},
): Promise<RunningServer> {
  const { runtime, ...rest } = options;
  return start(config, { ...rest, runtime: runtime === false ? false : embeddedRuntime(runtime) });
}
