import { OciError } from './oci-error.js';

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface AuthOptions {
  registry: string;
  auth?: RegistryAuth | undefined;
  token?: ((scope: string) => Promise<string>) | undefined;
  fetch?: typeof fetch | undefined;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** `http://` for a loopback `HOST:PORT`, `https://` for any other bare host. */
export function registryBaseUrl(registry: string): string {
  if (/^https?:\/\//.test(registry)) return registry.replace(/\/+$/, '');
  return `${LOOPBACK.test(registry) ? 'http' : 'https'}://${registry}`;
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Record<string, string> | undefined {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const p of (m[1] as string).matchAll(/([a-zA-Z_]+)="([^"]*)"/g))
    out[(p[1] as string).toLowerCase()] = p[2] as string;
  return out.realm ? out : undefined;
}

/** The first entry of a registry's `errors` array, for messages. */
export async function registryMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const e = body.errors?.[0];
    if (e) return `${e.code ?? 'error'}: ${e.message ?? ''}`.slice(0, 300);
  } catch {}
  return `HTTP ${res.status}`;
}

/**
 * The registry's Bearer token dance: a request goes out with the token cached for its
 * scope; a 401 challenge (realm, service, scope) is answered at the realm with HTTP Basic
 * (or by `options.token`), and the request is sent once more.
 */
export function createAuthorizedFetch(options: AuthOptions) {
  const doFetch = options.fetch ?? fetch;
  const tokens = new Map<string, { token: string; until: number }>();
  let lastScope: string | undefined;

  const unavailable = (what: string, error: unknown) =>
    new OciError(
      'REGISTRY_UNAVAILABLE',
      `could not reach the registry ${options.registry} (${what}): ${error instanceof Error ? error.message : String(error)}`,
    );

  async function fetchToken(challenge: Record<string, string>): Promise<string> {
    if (options.token) {
      const token = await options.token(challenge.scope ?? '');
      tokens.set(challenge.scope ?? '', { token, until: Date.now() + 60_000 });
      return token;
    }
    const url = new URL(challenge.realm as string);
    if (challenge.service) url.searchParams.set('service', challenge.service);
    for (const s of (challenge.scope ?? '').split(' ').filter(Boolean))
      url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
    let res: Response;
    try {
      res = await doFetch(url, { headers });
    } catch (error) {
      throw unavailable('token endpoint', error);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let message = `HTTP ${res.status}`;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {}
      throw new OciError(
        res.status === 401 || res.status === 403 ? 'REGISTRY_UNAUTHORIZED' : 'REGISTRY_UNAVAILABLE',
        `the registry's token endpoint refused: ${message}`,
        res.status,
      );
    }
    const body = (await res.json()) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new OciError('REGISTRY_UNAVAILABLE', 'the token endpoint sent no token');
    tokens.set(challenge.scope ?? '', {
      token,
      until: Date.now() + Math.max(30, (body.expires_in ?? 60) - 30) * 1000,
    });
    return token;
  }

  /** One request with the cached token for its scope; on a challenge, fetch one and retry once. */
  async function request(
    url: string,
    init: RequestInit & { scope: string },
    what: string,
  ): Promise<Response> {
    const send = async (token: string | undefined) => {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      try {
        return await doFetch(url, { ...init, headers, redirect: 'follow' });
      } catch (error) {
        throw unavailable(what, error);
      }
    };
    const cached = tokens.get(init.scope);
    let res = await send(cached && cached.until > Date.now() ? cached.token : undefined);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (!challenge) return res;
    await res.body?.cancel();
    // Ask for what this client will go on to need (push covers the pulls before it),
    // and cache it under that scope, so one token serves a whole push.
    lastScope = challenge.scope;
    res = await send(await fetchToken({ ...challenge, scope: init.scope }));
    return res;
  }
  return { request, unavailable, lastScope: () => lastScope };
}
