import { createClientContext } from './client-context.js';
import { isBrowser, readEnv, warnOnce } from './environment.js';
import { LatchkeyError } from './errors.js';
import type { JobRequest } from './job-request.js';
import { createJobs, type JobsApi } from './jobs.js';
import {
  checkApiKey,
  checkBaseUrl,
  checkNumber,
  checkOptionsObject,
  fail,
  platformBaseUrl,
  resolveFetch,
} from './options.js';
import { createRealtime, type RealtimeApi } from './realtime-connect.js';
import {
  createTokenSource,
  type TokenResolver,
  type TokenSource,
  tokenProblem,
} from './token-source.js';
import {
  type CreatedToken,
  checkGrant,
  isCreatedToken,
  type TokenGrant,
  type Whoami,
} from './tokens.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  RETRY_IDEMPOTENT,
  type RequestOptions,
  send,
  type Transport,
} from './transport.js';

export interface ClientOptions {
  /**
   * An app key (`rk_…`) or partner key (`rp_…`), for servers. Defaults to
   * `LATCHKEY_API_KEY` where `process.env` exists. Refused in a browser unless
   * `dangerouslyAllowBrowser` is set.
   */
  apiKey?: string | undefined;
  /**
   * A session token, or a function that returns one (sync or async). A function is
   * called when a token is first needed and again shortly before the cached one
   * expires (read from its `exp`); concurrent calls share one resolve.
   */
  token?: string | TokenResolver | undefined;
  /**
   * The URL of your backend's proxy route (`createProxyHandler`), absolute or, in a
   * browser, a path such as `/api/latchkey`. The proxy adds the key on your server.
   */
  proxy?: string | undefined;
  /** The platform's URL. Defaults to `LATCHKEY_BASE_URL`, then `http://127.0.0.1:8787`. */
  baseUrl?: string | undefined;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch | undefined;
  /** Per attempt, in milliseconds (default 30 000). */
  timeoutMs?: number | undefined;
  /** Retries for 429/503 and (on idempotent calls) network failures and timeouts (default 2). */
  maxRetries?: number | undefined;
  /**
   * Lets a raw API key be used in a browser, where anyone who opens the page can read
   * it. For local experiments only; a console warning is printed once.
   */
  dangerouslyAllowBrowser?: boolean | undefined;
}

export interface LatchkeyClient {
  /** Where this client sends its calls: the platform, or your proxy. */
  readonly baseUrl: string;
  /** How this client authenticates. */
  readonly auth: 'apiKey' | 'token' | 'proxy';
  readonly tokens: {
    /**
     * Mints a session token (needs an app key). Retried on 429 and 503, which the
     * platform answers before it mints anything; not on network failures, where a
     * token may already have been minted.
     *
     * @example
     * const { token, expiresAt } = await client.tokens.create({
     *   expiresIn: 600,
     *   models: ['echo'],
     *   metadata: { userId: 'u_42' },
     * });
     */
    create(grant?: TokenGrant, options?: RequestOptions): Promise<CreatedToken>;
  };
  /**
   * Describes the key this client (or your proxy) uses: its org, kind and expiry.
   *
   * @example
   * const { org, key } = await client.whoami();
   */
  whoami(options?: RequestOptions): Promise<Whoami>;
  /**
   * The session token this client sends (token clients only): the cached one while
   * it has life left, else a fresh one from your resolver.
   *
   * @example
   * const latchkey = createClient({ token: tokenFromRoute('/api/latchkey/token') });
   * const token = await latchkey.getToken();
   */
  getToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Realtime sessions with models (WebRTC media plus a command channel). Needs
   * `RTCPeerConnection`: a browser, or a polyfill passed to `connect`.
   */
  readonly realtime: RealtimeApi;
  /**
   * Runs a batch model now and resolves with its result, a Blob of the model's
   * content type (`POST /v1/generate/{model}`). Waits up to 130 s by default.
   *
   * @example
   * const png = await client.process({ model: 'render', prompt: 'a lighthouse', width: 512 });
   * img.src = URL.createObjectURL(png);
   */
  process(request: JobRequest, options?: RequestOptions): Promise<Blob>;
  /** Batch jobs that run in the background: submit, poll, fetch the result. */
  readonly jobs: JobsApi;
}

const OPTION_NAMES = [
  'apiKey',
  'token',
  'proxy',
  'baseUrl',
  'fetch',
  'timeoutMs',
  'maxRetries',
  'dangerouslyAllowBrowser',
] as const;

/** @internal Options the SDK's own helpers pass when they build a client. */
export interface InternalClientSettings {
  /** The function name that errors start with. */
  where?: string;
  /** Skip createClient's browser warning (the caller prints its own). */
  quietBrowserWarning?: boolean;
}

/**
 * Creates a Latchkey client. On a server, give it an API key (or set
 * `LATCHKEY_API_KEY`); in a browser, a session `token` (or resolver) from your
 * backend, or the URL of your `proxy` route.
 *
 * @example
 * // server
 * const latchkey = createClient({ apiKey: process.env.LATCHKEY_API_KEY });
 * const { token } = await latchkey.tokens.create({ models: ['echo'], expiresIn: 600 });
 *
 * @example
 * // browser
 * const latchkey = createClient({ token: tokenFromRoute('/api/latchkey/token') });
 * const token = await latchkey.getToken();
 */
export function createClient(options?: ClientOptions): LatchkeyClient {
  return buildClient(options, {});
}

/** @internal */
export function buildClient(options: unknown, settings: InternalClientSettings): LatchkeyClient {
  const where = settings.where ?? 'createClient';
  const o = checkOptionsObject(where, options, OPTION_NAMES);
  const given = (['apiKey', 'token', 'proxy'] as const).filter((k) => o[k] !== undefined);
  if (given.includes('apiKey') && given.includes('proxy'))
    fail(
      where,
      'apiKey together with proxy is refused: the proxy adds the key on your server, so the client must not hold it. Pass one of them',
    );
  if (given.length > 1)
    fail(where, `pass one of apiKey, token or proxy, not ${given.join(' and ')}`);
  if (o.dangerouslyAllowBrowser !== undefined && typeof o.dangerouslyAllowBrowser !== 'boolean')
    fail(where, 'dangerouslyAllowBrowser must be a boolean');
  if (o.proxy !== undefined && o.baseUrl !== undefined)
    fail(
      where,
      'pass proxy or baseUrl, not both: calls go to your proxy, and the proxy knows the platform URL',
    );

  const fetchImpl = resolveFetch(where, o.fetch);
  const timeoutMs =
    o.timeoutMs === undefined
      ? DEFAULT_TIMEOUT_MS
      : checkNumber(where, 'timeoutMs', o.timeoutMs, 1, 2_147_483_647, false);
  const maxRetries =
    o.maxRetries === undefined
      ? DEFAULT_MAX_RETRIES
      : checkNumber(where, 'maxRetries', o.maxRetries, 0, 10, true);

  let auth: LatchkeyClient['auth'];
  let apiKey: string | undefined;
  let source: TokenSource | undefined;
  let baseUrl: string;
  if (o.proxy !== undefined) {
    auth = 'proxy';
    baseUrl = checkBaseUrl(where, 'proxy', o.proxy);
  } else {
    baseUrl = platformBaseUrl(where, o.baseUrl);
    if (o.token !== undefined) {
      auth = 'token';
      if (typeof o.token === 'string') {
        const problem = tokenProblem(o.token);
        if (problem) fail(where, `token: ${problem}`);
      } else if (typeof o.token !== 'function') {
        fail(where, 'token must be a session token string or a function that returns one');
      }
      source = createTokenSource(o.token as string | TokenResolver);
    } else {
      auth = 'apiKey';
      const fromEnv = o.apiKey === undefined;
      apiKey = fromEnv ? readEnv('LATCHKEY_API_KEY') : (o.apiKey as string);
      if (apiKey === undefined)
        fail(
          where,
          isBrowser()
            ? 'no credentials: in a browser pass token (a session token or a function that fetches one from your backend) or proxy'
            : 'no credentials: pass apiKey or set LATCHKEY_API_KEY (on a server), or token / proxy',
        );
      checkApiKey(where, fromEnv ? 'apiKey (from LATCHKEY_API_KEY)' : 'apiKey', apiKey);
      if (isBrowser()) {
        if (o.dangerouslyAllowBrowser !== true)
          fail(
            where,
            'apiKey: refusing to use a secret API key in a browser, where anyone who opens the page can read it. ' +
              "Mint session tokens on your backend (createTokenHandler from '@latchkey/sdk/server') and pass token, " +
              'or route calls through your backend with proxy. For a local experiment only, pass dangerouslyAllowBrowser: true',
          );
        if (!settings.quietBrowserWarning)
          warnOnce(
            'dangerouslyAllowBrowser',
            'dangerouslyAllowBrowser is on: this page holds a secret API key that anyone who opens it can read and use. ' +
              'Use it for local experiments only; ship a backend token route (createTokenHandler) instead.',
          );
      }
    }
  }

  const transport: Transport = {
    fetch: fetchImpl,
    timeoutMs,
    maxRetries,
    // A proxy is your backend, which serves no error-code page; the platform does.
    docsBase: auth === 'proxy' ? undefined : baseUrl,
    async authorization() {
      if (apiKey !== undefined) return `Bearer ${apiKey}`;
      if (source !== undefined) return `Bearer ${await source.get()}`;
      return undefined;
    },
  };
  const peer =
    auth === 'proxy' ? `your Latchkey proxy at ${baseUrl}` : `the Latchkey platform at ${baseUrl}`;
  const context = createClientContext(transport, {
    baseUrl,
    auth,
    peer,
    refreshable: typeof o.token === 'function' ? source : undefined,
  });
  const { process, jobs } = createJobs(context);

  const keyOnly = (what: string, alsoProxy: boolean) => {
    if (auth === 'apiKey' || (alsoProxy && auth === 'proxy')) return;
    throw new TypeError(
      auth === 'token'
        ? `${what} needs an API key, and this client holds a session token. Call it on your backend with a client made from apiKey`
        : `${what} needs an API key, and the proxy never forwards it. Mint tokens on your backend with createTokenHandler`,
    );
  };

  return {
    baseUrl,
    auth,
    tokens: {
      async create(grant, requestOptions) {
        keyOnly('tokens.create', false);
        const body = checkGrant('tokens.create', grant);
        const created = await send<unknown>(
          transport,
          {
            method: 'POST',
            url: `${baseUrl}/v1/tokens`,
            body,
            idempotent: false,
            retryOn: [429, 503],
            peer,
          },
          requestOptions,
        );
        if (!isCreatedToken(created))
          throw new LatchkeyError(
            'INTERNAL_ERROR',
            `${peer} answered POST /v1/tokens without a token. Check that baseUrl points at Latchkey.`,
            { docsBase: transport.docsBase },
          );
        return { token: created.token, tokenId: created.tokenId, expiresAt: created.expiresAt };
      },
    },
    async whoami(requestOptions) {
      keyOnly('whoami', true);
      return send<Whoami>(
        transport,
        {
          method: 'GET',
          url: `${baseUrl}/v1/whoami`,
          idempotent: true,
          retryOn: RETRY_IDEMPOTENT,
          peer,
        },
        requestOptions,
      );
    },
    async getToken(requestOptions) {
      if (source === undefined)
        throw new TypeError(
          `getToken: this client authenticates with ${auth === 'proxy' ? 'your proxy' : 'an API key'}, not a session token; ` +
            'mint one with client.tokens.create() on your backend',
        );
      const signal = requestOptions?.signal;
      signal?.throwIfAborted();
      const pending = source.get();
      if (signal === undefined) return pending;
      return new Promise<string>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.then(
          (token) => {
            signal.removeEventListener('abort', onAbort);
            resolve(token);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    },
    realtime: createRealtime(context),
    process,
    jobs,
  };
}
