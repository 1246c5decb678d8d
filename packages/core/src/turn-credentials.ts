import { createHmac } from 'node:crypto';
import type { IceServer } from './realtime.js';

/** Where and how to mint TURN credentials: coturn's `use-auth-secret` (the TURN REST API). */
export interface TurnConfig {
  /** `turn:` / `turns:` URLs of the TURN server(s) that share `secret`. */
  urls: string[];
  /** coturn's `static-auth-secret`. Never sent to a browser, never logged. */
  secret: string;
}

/**
 * Short-lived TURN credentials for one session, in coturn's `use-auth-secret` scheme:
 * `username` is `<expiry in Unix seconds>:<id>`, `credential` is
 * base64(HMAC-SHA1(secret, username)). coturn refuses them after the expiry, so they
 * never outlive `expiresAt` (rounded down to the second).
 *
 * @example
 * const server = turnCredentials({ urls: ['turn:turn.example.com:3478'], secret }, 'ses_…', session.expiresAt);
 * // { urls: ['turn:…'], username: '1767225600:ses_…', credential: 'q2W…=' }
 */
export function turnCredentials(turn: TurnConfig, id: string, expiresAt: number | Date): IceServer {
  const expiry = Math.floor(new Date(expiresAt).getTime() / 1000);
  if (!Number.isFinite(expiry)) throw new TypeError('turnCredentials: expiresAt is not a date');
  if (id.includes(':')) throw new TypeError('turnCredentials: id must not contain ":"');
  const username = `${expiry}:${id}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return { urls: [...turn.urls], username, credential };
}
