import { buildClient } from './create-client.js';
import { nodeEnv, warnOnce } from './environment.js';
import { checkApiKey, checkOptionsObject, fail } from './options.js';
import { type CreatedToken, GRANT_FIELDS, type TokenGrant } from './tokens.js';

export interface InsecureTokenOptions extends TokenGrant {
  /** The platform's URL. Defaults to `LATCHKEY_BASE_URL`, then `http://127.0.0.1:8787`. */
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Runs even when `NODE_ENV` is `production`. You almost certainly do not want this. */
  force?: boolean | undefined;
}

const OPTION_NAMES = ['baseUrl', 'fetch', 'signal', 'timeoutMs', 'force', ...GRANT_FIELDS] as const;

/**
 * Mints a session token straight from the page with your API key, for local
 * development only: the key is in the page, where anyone can read it. Warns once on
 * the console, and refuses when `NODE_ENV` is `production` unless `force` is set.
 * The platform must be reachable from the page (same origin, or CORS).
 *
 * @example
 * // a local prototype; replace with a backend token route before you ship
 * const { token } = await fetchInsecureToken(import.meta.env.VITE_LATCHKEY_DEV_KEY, {
 *   baseUrl: 'http://127.0.0.1:8787',
 *   models: ['echo'],
 * });
 */
export async function fetchInsecureToken(
  apiKey: string,
  options?: InsecureTokenOptions,
): Promise<CreatedToken> {
  const where = 'fetchInsecureToken';
  checkApiKey(where, 'apiKey', apiKey);
  const o = checkOptionsObject(where, options, OPTION_NAMES);
  if (o.force !== undefined && typeof o.force !== 'boolean') fail(where, 'force must be a boolean');
  if (nodeEnv() === 'production' && o.force !== true)
    throw new Error(
      'fetchInsecureToken refuses to run when NODE_ENV is "production": it puts your API key in the page, ' +
        "where anyone can read it. Mint tokens on your backend with createTokenHandler from '@latchkey/sdk/server' " +
        '(or pass force: true if you really mean it).',
    );
  const { baseUrl, fetch, signal, timeoutMs, force: _, ...grant } = o;
  const client = buildClient(
    { apiKey, baseUrl, fetch, timeoutMs, dangerouslyAllowBrowser: true },
    { where, quietBrowserWarning: true },
  );
  warnOnce(
    'fetchInsecureToken',
    'fetchInsecureToken sends your API key from this code: in a browser, anyone who opens the page can read and use it. ' +
      'Use it for local development only; ship a backend token route (createTokenHandler) instead.',
  );
  return client.tokens.create(grant as TokenGrant, { signal: signal as AbortSignal | undefined });
}
