import type { Platform } from '../platform.js';

/** The Hono environment: per-request variables. */
export interface AppEnv {
  Variables: {
    requestId: string;
    ip: string;
    route: string;
    /** The server's URL (its issuer), under which error envelopes link to `/docs/errors`. */
    docsBase: string;
  };
}

export type { Platform };
