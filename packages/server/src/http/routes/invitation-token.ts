import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http-error.js';

/** 32 random bytes, base64url: the secret part of an invitation link. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The `{token}` path parameter; anything not shaped like one is an unknown invitation. */
export function invitationToken(c: Context<AppEnv>): string {
  const token = c.req.param('token') ?? '';
  if (!TOKEN.test(token)) throw new HttpError('NOT_FOUND', 'no such invitation; check the link');
  return token;
}
