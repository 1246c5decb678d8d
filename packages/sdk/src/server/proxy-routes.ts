// The proxy's allow-list and its path rules. The upstream URL is built only from the
// configured base plus a path that passed `checkPath` and matched an allowed route,
// so no input can name another host, climb out of the API, or smuggle an encoding.

/** The batch-job operations, which is what a browser may do through the proxy by default. */
export const DEFAULT_PROXY_ALLOW: readonly string[] = Object.freeze([
  'POST /v1/generate/{model}',
  'POST /v1/jobs/{model}',
  'GET /v1/jobs/{id}',
  'GET /v1/jobs/{id}/result',
]);

/**
 * Path prefixes the proxy never forwards, whatever `allow` says: token minting, key,
 * org and admin management, registry credentials, and the key's own description.
 */
export const NEVER_PROXIED = [
  '/v1/tokens',
  '/v1/keys',
  '/v1/orgs',
  '/v1/admin',
  '/v1/registry',
  '/v1/whoami',
  '/admin',
];

export const MAX_PATH_LENGTH = 512;
export const MAX_QUERY_LENGTH = 1024;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ProxyMethod = (typeof METHODS)[number];

/** A path segment: letters, digits and `._~-`, not starting with a dot (so never `.` or `..`). */
const SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}$/;
/** A `{param}` value: a model name or an id. */
const PARAM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Query strings keep to unreserved characters, `=&+,` and percent escapes of printable bytes. */
const QUERY = /^(?:[A-Za-z0-9._~=&+,-]|%(?:[2-6][0-9A-Fa-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f]))*$/;

export interface ProxyRoute {
  method: ProxyMethod;
  /** The template as given, e.g. `/v1/jobs/{id}`. */
  template: string;
  parts: ({ literal: string } | { param: string })[];
}

export interface MatchedRoute {
  route: ProxyRoute;
  params: Record<string, string>;
}

/** Parses `"METHOD /path/{param}"`; returns a message when the entry is refused. */
export function compileRoute(entry: unknown): ProxyRoute | string {
  if (typeof entry !== 'string') return 'each entry must be a string such as "GET /v1/jobs/{id}"';
  const m = /^([A-Z]+) (\/\S*)$/.exec(entry.trim());
  if (!m) return `"${entry}" must look like "GET /v1/jobs/{id}"`;
  const method = m[1] as ProxyMethod;
  const template = m[2] as string;
  if (!METHODS.includes(method))
    return `"${entry}": the method must be one of ${METHODS.join(', ')}`;
  const parts: ProxyRoute['parts'] = [];
  const names = new Set<string>();
  for (const seg of template.slice(1).split('/')) {
    const param = /^\{([A-Za-z][A-Za-z0-9]{0,31})\}$/.exec(seg)?.[1];
    if (param !== undefined) {
      if (names.has(param)) return `"${entry}": {${param}} appears twice`;
      names.add(param);
      parts.push({ param });
    } else if (SEGMENT.test(seg)) {
      parts.push({ literal: seg });
    } else {
      return `"${entry}": "${seg}" is not a valid path segment (letters, digits, ._~- or {name})`;
    }
  }
  if (parts[0] === undefined || !('literal' in parts[0]))
    return `"${entry}": the first segment must be fixed, not a parameter`;
  const fixedPrefix = `/${parts.map((p) => ('literal' in p ? p.literal : '\u0000')).join('/')}`;
  const lower = fixedPrefix.toLowerCase();
  const forbidden = NEVER_PROXIED.find((p) => lower === p || lower.startsWith(`${p}/`));
  if (forbidden)
    return `"${entry}": the proxy never forwards ${forbidden} (token minting, keys and admin stay on your server; use createTokenHandler for tokens)`;
  return { method, template, parts };
}

/**
 * Why `path` (after the mount point) is refused, or undefined when it is acceptable:
 * only `/segment/segment…` with unreserved characters, no empty, `.` or `..` segment,
 * no percent-encoding, backslash, `@`, `:`, whitespace or control character.
 */
export function checkPath(path: string): string | undefined {
  if (path.length > MAX_PATH_LENGTH) return `the path is over ${MAX_PATH_LENGTH} characters`;
  if (!path.startsWith('/')) return 'the path must start with /';
  const segments = path.slice(1).split('/');
  for (const seg of segments) {
    if (seg === '') return 'the path has an empty segment (// or a trailing /)';
    if (seg === '.' || seg === '..') return 'the path has a . or .. segment';
    if (!SEGMENT.test(seg))
      return 'the path has characters the proxy does not forward (only letters, digits and ._~- between single slashes)';
  }
  return undefined;
}

export function checkQuery(search: string): string | undefined {
  if (search === '') return undefined;
  if (search.length > MAX_QUERY_LENGTH) return `the query is over ${MAX_QUERY_LENGTH} characters`;
  if (!QUERY.test(search.slice(1)))
    return 'the query has characters or escapes the proxy does not forward';
  return undefined;
}

export function matchRoute(routes: readonly ProxyRoute[], method: string, path: string) {
  const segments = path.slice(1).split('/');
  let allowedMethods: string[] = [];
  for (const route of routes) {
    if (route.parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const part = route.parts[i];
      const seg = segments[i] as string;
      if (part === undefined) ok = false;
      else if ('literal' in part) ok = part.literal === seg;
      else if (PARAM.test(seg)) params[part.param] = seg;
      else ok = false;
    }
    if (!ok) continue;
    if (route.method === method) return { matched: { route, params } as MatchedRoute };
    allowedMethods.push(route.method);
  }
  allowedMethods = [...new Set(allowedMethods)];
  return { matched: undefined, allowedMethods };
}
