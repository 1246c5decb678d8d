import { MAX_METADATA_BYTES, MAX_TOKEN_SECONDS } from '@latchkey/core';
import { fail } from './options.js';

/** What a session token allows. Every field is optional; the platform fills in its defaults. */
export interface TokenGrant {
  /** Lifetime in seconds, 1 to 21600 (6 h, the default). */
  expiresIn?: number;
  /** Model names the holder may open; `["*"]` (the default) means any. */
  models?: string[];
  /** Concurrent realtime sessions allowed under this token (default 5). */
  maxSessions?: number;
  /** Browser origins allowed to use the token, e.g. `["https://app.example.com"]`; empty means any. */
  origins?: string[];
  /** Longest a single session may last, in seconds (default 3600). */
  maxSessionSeconds?: number;
  /** Your own data carried in the token, such as the end user's id; at most 1 KiB as JSON. */
  metadata?: Record<string, unknown>;
}

/** A minted session token. */
export interface CreatedToken {
  /** The JWT to hand to the browser. */
  token: string;
  /** Its id (`tok_…`), the handle for it in the audit log. */
  tokenId: string;
  /** When it stops working, ISO 8601. */
  expiresAt: string;
}

/** What `client.whoami()` tells about the key. */
export interface Whoami {
  org: { id: string; slug: string; name: string; partner: boolean };
  key: { id: string; kind: 'app' | 'partner'; display: string; expiresAt: string | null };
}

export const GRANT_FIELDS = [
  'expiresIn',
  'models',
  'maxSessions',
  'origins',
  'maxSessionSeconds',
  'metadata',
] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a grant's types and bounds before it goes out. The platform checks the
 * rest (model-name and origin syntax) and answers INVALID_REQUEST naming the field.
 */
export function checkGrant(where: string, grant: unknown): TokenGrant {
  if (grant === undefined) return {};
  if (!isPlainObject(grant)) fail(where, 'the grant must be an object');
  for (const name of Object.keys(grant)) {
    if (!(GRANT_FIELDS as readonly string[]).includes(name))
      fail(where, `unknown grant field "${name}"; the fields are ${GRANT_FIELDS.join(', ')}`);
  }
  const seconds = (name: 'expiresIn' | 'maxSessionSeconds') => {
    const v = grant[name];
    if (
      v !== undefined &&
      (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_TOKEN_SECONDS)
    )
      fail(where, `${name} must be a whole number of seconds from 1 to ${MAX_TOKEN_SECONDS}`);
  };
  seconds('expiresIn');
  seconds('maxSessionSeconds');
  for (const name of ['models', 'origins'] as const) {
    const v = grant[name];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string')))
      fail(where, `${name} must be an array of strings`);
  }
  const m = grant.maxSessions;
  if (m !== undefined && (!Number.isInteger(m) || (m as number) < 1))
    fail(where, 'maxSessions must be a whole number of at least 1');
  const meta = grant.metadata;
  if (meta !== undefined) {
    if (!isPlainObject(meta)) fail(where, 'metadata must be a plain object');
    let json: string;
    try {
      json = JSON.stringify(meta);
    } catch {
      fail(where, 'metadata must be serialisable as JSON');
    }
    if (new TextEncoder().encode(json).byteLength > MAX_METADATA_BYTES)
      fail(where, `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON`);
  }
  return grant as TokenGrant;
}

export function isCreatedToken(v: unknown): v is CreatedToken {
  return (
    isPlainObject(v) &&
    typeof v.token === 'string' &&
    typeof v.tokenId === 'string' &&
    typeof v.expiresAt === 'string'
  );
}
