import type { Platform } from '../platform.js';

/** The Hono environment: per-request variables. */
export interface AppEnv {
  Variables: { requestId: string; ip: string; route: string };
}

export type { Platform };
