import { isModelRef, MODEL_REF_RULE } from '@latchkey/core';
import type { Context } from 'hono';
import type { RequestContext } from '../services/caller.js';
import type { AppEnv } from './env.js';
import { HttpError } from './http-error.js';

/** What services record about the request: origin, client IP, user agent, request id. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  const origin = c.req.header('origin');
  return {
    origin: origin === undefined || origin === 'null' ? null : origin.slice(0, 256),
    ip: c.get('ip'),
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.get('requestId'),
  };
}

/** The `{model}` path parameter, checked. */
export function modelParam(c: Context<AppEnv>): string {
  const model = c.req.param('model') ?? '';
  if (!isModelRef(model)) throw new HttpError('INVALID_REQUEST', `model: ${MODEL_REF_RULE}`);
  return model;
}

/** An `{id}` path parameter of the given prefix; anything else is a resource that does not exist. */
export function idParam(c: Context<AppEnv>, prefix: 'ses' | 'job', what: string): string {
  const id = c.req.param('id') ?? '';
  if (!new RegExp(`^${prefix}_[0-9A-Za-z]{22}$`).test(id))
    throw new HttpError('NOT_FOUND', `no ${what} "${id.slice(0, 64)}" (ids look like ${prefix}_…)`);
  return id;
}
