// Option checks shared by createClient and the server helpers. Every refusal is a
// TypeError thrown at construction that names the function and the option.

import { type KeyKind, parseKey } from '@latchkey/core';
import { DEFAULT_BASE_URL, isBrowser, readEnv } from './environment.js';

export function fail(where: string, message: string): never {
  throw new TypeError(`${where}: ${message}`);
}

/** Refuses anything that is not a plain options object, and names unknown (often misspelt) options. */
export function checkOptionsObject(
  where: string,
  options: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(where, 'options must be an object');
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const close = known.find((k) => k.toLowerCase() === name.toLowerCase());
    fail(
      where,
      `unknown option "${name}"${close ? `; did you mean "${close}"?` : `; the options are ${known.join(', ')}`}`,
    );
  }
  return options as Record<string, unknown>;
}

/** Checks an API key's shape and checksum offline, so a typo fails here and not on first use. */
export function checkApiKey(where: string, label: string, value: unknown): KeyKind {
  if (typeof value !== 'string') fail(where, `${label} must be a string (rk_… or rp_…)`);
  const parsed = parseKey(value);
  if (!parsed.ok) fail(where, `${label} is not a Latchkey key: ${parsed.reason}`);
  return parsed.kind;
}

/**
 * An absolute http(s) URL without credentials, query or fragment, returned without
 * its trailing slash. In a browser a path (`/api/latchkey`) is taken relative to the page.
 */
/** The platform's URL: the `baseUrl` option, else LATCHKEY_BASE_URL, else the default; checked. */
export function platformBaseUrl(where: string, given: unknown): string {
  return given !== undefined
    ? checkBaseUrl(where, 'baseUrl', given)
    : checkBaseUrl(
        where,
        'baseUrl (from LATCHKEY_BASE_URL)',
        readEnv('LATCHKEY_BASE_URL') ?? DEFAULT_BASE_URL,
      );
}

export function checkBaseUrl(where: string, label: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    fail(where, `${label} must be a URL string, e.g. "https://latchkey.example.com"`);
  let url: URL;
  try {
    const page = isBrowser()
      ? (globalThis as { location?: { href?: string } }).location?.href
      : undefined;
    url = page !== undefined ? new URL(value, page) : new URL(value);
  } catch {
    fail(
      where,
      `${label} must be an absolute URL such as "https://latchkey.example.com" (got "${value.slice(0, 100)}")`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(where, `${label} must use http: or https: (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '')
    fail(where, `${label} must not carry a user name or password`);
  if (url.search !== '' || url.hash !== '')
    fail(where, `${label} must not have a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

export function checkNumber(
  where: string,
  label: string,
  value: unknown,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  )
    fail(
      where,
      `${label} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  return value;
}

export function checkFunction<F>(where: string, label: string, value: unknown): F {
  if (typeof value !== 'function') fail(where, `${label} must be a function`);
  return value as F;
}

/** The fetch to use: the option, else the global one (bound, as some runtimes require). */
export function resolveFetch(where: string, value: unknown): typeof fetch {
  if (value !== undefined) return checkFunction<typeof fetch>(where, 'fetch', value);
  if (typeof globalThis.fetch !== 'function')
    fail(where, 'this runtime has no global fetch; pass one as the fetch option');
  return globalThis.fetch.bind(globalThis);
}
