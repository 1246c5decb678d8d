import { MODEL_VERSION, MODEL_VERSION_RULE } from '@latchkey/core';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http-error.js';

export const VersionString = z.string().max(64).regex(MODEL_VERSION, MODEL_VERSION_RULE);

export const ModelVersionSchema = z
  .object({
    version: z.string(),
    state: z.enum(['registered', 'deploying', 'live', 'failed', 'retired']),
    default: z.boolean(),
    image: z.string().nullable(),
    imageDigest: z.string().nullable(),
    weights: z
      .object({
        version: z.string(),
        manifestDigest: z.string().nullable(),
        totalBytes: z.number().nullable(),
      })
      .nullable(),
    resources: z.record(z.string(), z.unknown()),
    runtimes: z.array(
      z.object({ id: z.string(), state: z.enum(['deploying', 'ready', 'failed']) }),
    ),
    failedMessage: z.string().nullable(),
    failedAt: z.string().nullable(),
    createdAt: z.string(),
    retiredAt: z.string().nullable(),
  })
  .meta({ id: 'PartnerModelVersion' });

export const PartnerModelSchema = z
  .object({
    id: z.string(),
    name: z.string().meta({ description: '<org-slug>/<name>' }),
    org: z.string(),
    kind: z.enum(['realtime', 'batch']),
    description: z.string(),
    visibility: z.enum(['public', 'private']),
    allowedOrgs: z.array(z.string()),
    defaultVersion: z.string().nullable(),
    versions: z.array(ModelVersionSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PartnerModel' });

export const AllowedOrgs = z.array(z.string().min(1).max(64)).max(100);

/** The `{model}` path parameter: the short name, or `<org-slug>/<name>` percent-encoded. */
export function modelNameParam(c: Context<AppEnv>): string {
  const name = c.req.param('model') ?? '';
  if (name.length === 0 || name.length > 113)
    throw new HttpError('MODEL_NOT_FOUND', `no model "${name.slice(0, 64)}"`);
  return name;
}

/** The `{version}` path parameter. */
export function versionParam(c: Context<AppEnv>): string {
  const v = c.req.param('version') ?? '';
  if (!MODEL_VERSION.test(v))
    throw new HttpError(
      'MODEL_VERSION_NOT_FOUND',
      `no version "${v.slice(0, 64)}" (${MODEL_VERSION_RULE})`,
    );
  return v;
}

export const PARTNER_AUTH =
  "Takes the org's partner key (Authorization: Bearer rp_…, as the CLI sends it; it acts as a developer) or a signed-in member's session.";
