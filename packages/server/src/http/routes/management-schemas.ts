import { CLOSE_REASONS, formatIssues, type IdPrefix, isId } from '@latchkey/core';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http-error.js';

// The shapes the key, session, audit, usage and registry management routes share.

export const ApiKeySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    kind: z.enum(['app', 'partner']),
    name: z.string(),
    display: z.string().describe('rk_…abcd: never the secret'),
    state: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
    rotatedTo: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const OrgSessionSchema = z
  .object({
    sessionId: z.string(),
    model: z.string(),
    state: z.enum(['created', 'waiting', 'active', 'closed']),
    createdAt: z.string(),
    activeAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    expiresAt: z.string(),
    closeReason: z.enum(CLOSE_REASONS).nullable(),
    keyId: z.string(),
    tokenId: z.string(),
    runtimeId: z.string(),
    origin: z.string().nullable(),
  })
  .meta({ id: 'OrgSession' });

export const RegistryCredentialSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    keyId: z.string(),
    keyDisplay: z.string(),
    display: z.string(),
    state: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
  })
  .meta({ id: 'RegistryCredential' });

export const AuditEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    at: z.string(),
    orgId: z.string().nullable(),
    action: z.string(),
    actor: z.string(),
    target: z.string().nullable(),
    outcome: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

/** An ISO 8601 date (`2026-01-31`, midnight UTC) or time, as a Date. */
export const IsoTime = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/,
    'must be an ISO 8601 date or time',
  )
  .transform((s, ctx) => {
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or time' });
      return z.NEVER;
    }
    return date;
  });

/** The query string, validated; a bad value is 400 INVALID_REQUEST naming the parameter. */
export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success)
    throw new HttpError(
      'INVALID_REQUEST',
      formatIssues(parsed.error.issues, { max: 1, root: 'query' }) || 'query: invalid',
    );
  return parsed.data;
}

/** A path parameter holding an id of `prefix`; anything else names nothing (404). */
export function pathId(c: Context<AppEnv>, name: string, prefix: IdPrefix, what: string): string {
  const id: string = c.req.param(name) ?? '';
  if (!isId(prefix, id)) throw notFound(what, id as string);
  return id;
}

export const notFound = (what: string, id: string) =>
  new HttpError('NOT_FOUND', `${what} "${id.slice(0, 64)}" not found`);

export const NO_STORE = { 'Cache-Control': 'no-store' };
