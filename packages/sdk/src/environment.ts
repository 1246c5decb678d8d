// What the SDK needs to know about where it runs. No Node built-ins: this file is
// part of the browser entry, so `process` is only ever read through globalThis.

/** The SDK's version, sent as the User-Agent where a runtime lets us set one. */
export const SDK_VERSION = '0.1.0';

/** The platform URL when neither the option nor `LATCHKEY_BASE_URL` gives one: `latchkey serve`'s default. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';

interface MaybeProcess {
  env?: Record<string, string | undefined>;
}

/**
 * True in a page or a browser worker, where anything the SDK holds can be read by
 * whoever opens the page. Deno, Bun, Node and edge runtimes are not browsers here.
 */
export function isBrowser(): boolean {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.window === 'object' && g.window !== null && typeof g.document === 'object')
    return true;
  return (
    typeof g.DedicatedWorkerGlobalScope === 'function' ||
    typeof g.SharedWorkerGlobalScope === 'function' ||
    typeof g.ServiceWorkerGlobalScope === 'function'
  );
}

/** An environment variable where `process` exists (Node, Bun, Deno's compat); never in a browser. */
export function readEnv(name: string): string | undefined {
  const p = (globalThis as { process?: MaybeProcess }).process;
  const value = p?.env?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * `process.env.NODE_ENV`, written out literally so bundlers (Vite, webpack, esbuild's
 * `define`) replace it at build time; a browser without a bundler gets undefined.
 */
export function nodeEnv(): string | undefined {
  try {
    return process.env.NODE_ENV;
  } catch {
    return undefined;
  }
}

const warned = new Set<string>();

/** Prints a console warning the first time `id` is seen in this JavaScript realm. */
export function warnOnce(id: string, message: string): void {
  if (warned.has(id)) return;
  warned.add(id);
  console.warn(`[latchkey] ${message}`);
}
