/** What a session token allows. Carried in the token, so model hosts decide offline. */
export interface SessionGrant {
  /** Model names the holder may open; `["*"]` means any. */
  models: string[];
  /** Concurrent realtime sessions allowed under this token. */
  maxSessions: number;
  /** Browser origins allowed to use the token; empty means any. */
  origins: string[];
  /** Longest a single session may last, in seconds. */
  maxSessionSeconds: number;
  /** Caller metadata (for example the end user's id), at most 1 KiB as JSON. */
  metadata: Record<string, unknown>;
}

/** The JWT claims of a session token. */
export interface SessionClaims {
  iss: string;
  aud: string;
  /** The org id. */
  sub: string;
  /** The token id (`tok_…`), the audit handle for this token. */
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  /** The id of the key that minted the token. */
  key: string;
  grant: SessionGrant;
}

export const MAX_TOKEN_SECONDS = 6 * 60 * 60;
export const MAX_METADATA_BYTES = 1024;
export const DEFAULT_GRANT: Omit<SessionGrant, 'metadata'> = {
  models: ['*'],
  maxSessions: 5,
  origins: [],
  maxSessionSeconds: 3600,
};
