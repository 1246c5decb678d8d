import { LatchkeyError } from './errors.js';
import type { TokenSource } from './token-source.js';
import { type Call, type RequestOptions, send, type Transport } from './transport.js';

/** @internal What the client's parts (tokens, realtime, jobs) share: where to call, and how. */
export interface ClientContext {
  readonly baseUrl: string;
  readonly auth: 'apiKey' | 'token' | 'proxy';
  /** How errors name the other end. */
  readonly peer: string;
  /** The client's per-attempt timeout, for calls that need a longer default. */
  readonly timeoutMs: number;
  /** The platform's URL, where errors made here link to its `/docs/errors`; unset when unknown. */
  readonly docsBase: string | undefined;
  /**
   * Sends one call (see `send`). When the platform refuses the session token as
   * expired or invalid and the token comes from a resolver, the cached token is
   * dropped and the call is sent once more with a fresh one: a 401 means nothing was
   * done, so a second try is safe even for a POST.
   */
  call<T>(call: Call, options?: RequestOptions): Promise<T>;
}

const REFUSED_TOKEN = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);

/** @internal */
export function createClientContext(
  transport: Transport,
  settings: {
    baseUrl: string;
    auth: ClientContext['auth'];
    peer: string;
    /** The resolver-backed token source, when there is one (a fixed token is never re-asked). */
    refreshable: TokenSource | undefined;
  },
): ClientContext {
  const { refreshable } = settings;
  return {
    baseUrl: settings.baseUrl,
    auth: settings.auth,
    peer: settings.peer,
    timeoutMs: transport.timeoutMs,
    docsBase: transport.docsBase,
    async call<T>(call: Call, options?: RequestOptions): Promise<T> {
      if (refreshable === undefined) return send<T>(transport, call, options);
      const used = await refreshable.get();
      try {
        return await send<T>(transport, call, options);
      } catch (error) {
        if (!(error instanceof LatchkeyError) || !REFUSED_TOKEN.has(error.code)) throw error;
        refreshable.invalidate(used);
        if ((await refreshable.get()) === used) throw error;
        return send<T>(transport, call, options);
      }
    },
  };
}
