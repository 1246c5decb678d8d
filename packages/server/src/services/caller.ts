import type { SessionClaims, SessionGrant } from '@latchkey/core';
import type { AuthedKey } from './key-auth.js';

// What the domain (sessions, jobs, grant checks) knows of a request. The HTTP layer
// builds these from what it authenticated and from the request's headers.

/** Who is calling a route that takes an app key (backends) or a session token (browsers). */
export type Caller =
  | { kind: 'key'; orgId: string; keyId: string; key: AuthedKey }
  | {
      kind: 'token';
      orgId: string;
      /** The key that minted the token. */
      keyId: string;
      token: string;
      claims: SessionClaims;
      grant: SessionGrant;
      /** The end user the token speaks for (minting key + metadata). */
      ownerRef: string;
    };

/** What services record about a request: origin, client address, user agent, request id. */
export interface RequestContext {
  origin: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
