import { fail } from '../options.js';
// Which headers cross the proxy, in each direction. An allow-list: anything not
// named here stays behind, and some names never cross whatever the options say.

export const SAFE_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
];
export const SAFE_RESPONSE_HEADERS = [
  'cache-control',
  'content-language',
  'content-type',
  'etag',
  'last-modified',
  'retry-after',
  'x-request-id',
];
/** Never forwarded either way, whatever the options say. */
export const NEVER_FORWARDED = new Set([
  'authorization',
  'proxy-authorization',
  'proxy-authenticate',
  'www-authenticate',
  'cookie',
  'cookie2',
  'set-cookie',
  'set-cookie2',
  'x-api-key',
  'host',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'content-length',
  'content-encoding',
  'location',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'latchkey-end-user',
]);
export const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
export const END_USER = /^[A-Za-z0-9._:@-]{1,128}$/;

export function headerList(where: string, label: string, value: unknown, base: string[]): string[] {
  if (value === undefined) return base;
  if (!Array.isArray(value)) fail(where, `${label} must be an array of header names`);
  const names = value.map((v) => {
    if (typeof v !== 'string' || !HEADER_NAME.test(v.toLowerCase()))
      fail(where, `${label}: "${String(v)}" is not a header name`);
    const name = v.toLowerCase();
    if (NEVER_FORWARDED.has(name) || name.startsWith('proxy-') || name.startsWith('sec-'))
      fail(
        where,
        `${label}: the proxy never forwards ${name} (credentials, cookies and hop-by-hop headers stay put)`,
      );
    return name;
  });
  return [...new Set([...base, ...names])];
}

/** Header names a `Connection` header marks as hop-by-hop for this message. */
export function connectionTokens(headers: Headers): Set<string> {
  return new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function copyHeaders(from: Headers, names: readonly string[]): Headers {
  const hop = connectionTokens(from);
  const out = new Headers();
  for (const name of names) {
    if (hop.has(name)) continue;
    const value = from.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}
