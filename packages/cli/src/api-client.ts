import {
  callJson,
  type ErrorCode,
  fetchFailureDetail,
  isErrorCode,
  type JsonAnswer,
} from '@latchkey/core';
import { decodeJwt } from 'jose';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/** The fixes a partner at the CLI needs (the core ones speak to app backends). */
export const PARTNER_FIX: Partial<Record<ErrorCode, string>> = {
  INVALID_API_KEY:
    'Partner keys start with rp_; paste the whole key again, or ask your org admin for one.',
  API_KEY_EXPIRED:
    'The key has expired; ask your org admin for a new partner key, then run latchkey auth login.',
  API_KEY_REVOKED:
    'The key was revoked by an org admin; ask them for a new partner key, then run latchkey auth login.',
  WRONG_KEY_KIND:
    'That is an app key (rk_); partner keys start with rp_ — ask your org admin for one.',
};

const KEY_CODES = new Set<string>([
  'MISSING_API_KEY',
  'INVALID_API_KEY',
  'API_KEY_EXPIRED',
  'API_KEY_REVOKED',
  'WRONG_KEY_KIND',
]);

/** A CliError for a server error code, with the partner's fix and the documented exit code. */
export function refusal(code: ErrorCode, message: string): CliError {
  return new CliError(
    code,
    message,
    PARTNER_FIX[code],
    KEY_CODES.has(code) ? EXIT.KEY_REFUSED : EXIT.FAILURE,
  );
}

/** SERVER_UNREACHABLE, with the registry's fix (check the URL, or log in to another server). */
export const unreachable = (server: string, detail: string) =>
  new CliError(
    'SERVER_UNREACHABLE',
    `cannot reach the Latchkey server at ${server} (${detail})`,
    undefined,
    EXIT.UNREACHABLE,
  );

/** Normalises a server URL (http or https, no trailing slash); a bad one is a usage error. */
export function serverUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new CliError(
      'USAGE',
      `--server: "${text}" is not a URL`,
      'Pass e.g. --server https://latchkey.example.com.',
      EXIT.USAGE,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(
      'USAGE',
      `--server: "${text}" is not http or https`,
      'Pass e.g. --server https://latchkey.example.com.',
      EXIT.USAGE,
    );
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * One call to the Latchkey API. Network failures become SERVER_UNREACHABLE, error
 * envelopes a CliError with their code; the key goes in a header and nowhere else.
 */
export async function api<T>(
  server: string,
  path: string,
  init: {
    method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    apiKey?: string;
    basic?: string;
    body?: unknown;
  } = {},
): Promise<T> {
  let res: JsonAnswer;
  try {
    res = await callJson(server + path, {
      method: init.method ?? 'GET',
      bearer: init.apiKey || undefined,
      headers: {
        'user-agent': 'latchkey-cli/0.1.0',
        ...(init.basic
          ? { authorization: `Basic ${Buffer.from(init.basic).toString('base64')}` }
          : {}),
      },
      body: init.body,
      timeoutMs: 15_000,
    });
  } catch (error) {
    const detail =
      (error as Error).name === 'TimeoutError' ? 'no answer in 15 s' : fetchFailureDetail(error);
    throw unreachable(server, detail);
  }
  const body = res.json;
  if (res.status >= 200 && res.status < 300 && body !== undefined) return body as T;
  const err = res.error;
  if (err && isErrorCode(err.code)) throw refusal(err.code, err.message ?? err.code);
  if (res.status === 404 || body === undefined)
    throw unreachable(server, `HTTP ${res.status} from ${path}: not a Latchkey server?`);
  throw new CliError('INTERNAL_ERROR', `the server answered HTTP ${res.status} to ${path}`);
}

export interface Whoami {
  org: { id: string; slug: string; name: string; partner: boolean };
  key: { id: string; kind: 'app' | 'partner'; display: string; expiresAt: string | null };
}

export interface RegistryCredential {
  registry: string;
  username: string;
  password: string;
  expiresAt: string;
  credentialId: string;
}

export const whoami = (server: string, apiKey: string) =>
  api<Whoami>(server, '/v1/whoami', { apiKey });

export const fetchRegistryCredential = (server: string, apiKey: string) =>
  api<RegistryCredential>(server, '/v1/registry/credentials', { method: 'POST', apiKey });

/** Asks the token endpoint what a registry credential may do on one repository. */
export async function probeRegistryAccess(
  server: string,
  username: string,
  password: string,
  repository: string,
): Promise<{ ok: true; actions: string[] } | { ok: false; error: CliError }> {
  try {
    const r = await api<{ token: string }>(
      server,
      `/v1/registry/token?scope=${encodeURIComponent(`repository:${repository}:pull,push`)}`,
      { basic: `${username}:${password}` },
    );
    // Read for display only: the registry, not this probe, verifies the signature.
    const claims = decodeJwt<{ access?: Array<{ name: string; actions: string[] }> }>(r.token);
    return { ok: true, actions: claims.access?.find((a) => a.name === repository)?.actions ?? [] };
  } catch (error) {
    if (error instanceof CliError) return { ok: false, error };
    throw error;
  }
}
