import { GRANT_FIELDS, type GrantRequest, grantRequestProblem } from '@latchkey/core';
import { fail } from './options.js';

/** What a session token allows. Every field is optional; the platform fills in its defaults. */
export type TokenGrant = GrantRequest;

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

export { GRANT_FIELDS };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a grant's fields, types and bounds before it goes out (core's grant rules).
 * The platform checks the rest (model-name and origin syntax) and answers
 * INVALID_REQUEST naming the field.
 */
export function checkGrant(where: string, grant: unknown): TokenGrant {
  const problem = grantRequestProblem(grant, 'shape');
  if (problem) fail(where, problem.message);
  return (grant ?? {}) as TokenGrant;
}

export function isCreatedToken(v: unknown): v is CreatedToken {
  return (
    isPlainObject(v) &&
    typeof v.token === 'string' &&
    typeof v.tokenId === 'string' &&
    typeof v.expiresAt === 'string'
  );
}
