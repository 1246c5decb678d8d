import { z } from 'zod';

const actor = z.string().min(1).max(200);
/** The input of each operator action, checked wherever it arrives (socket or CLI). */
export const adminInputs = {
  createOrg: z.strictObject({
    name: z.string(),
    slug: z.string().optional(),
    partner: z.boolean().optional(),
    actor,
  }),
  createKey: z.strictObject({
    org: z.string(),
    kind: z.enum(['app', 'partner']).optional(),
    name: z.string().optional(),
    expiresInSeconds: z.number().positive().optional(),
    actor,
  }),
  listKeys: z.strictObject({ org: z.string() }),
  revokeKey: z.strictObject({
    id: z.string(),
    reason: z.string().optional(),
    /** Also end the registry credentials the key issued. */
    cascade: z.boolean().optional(),
    /** Also end, at once, the realtime sessions opened with tokens the key minted. */
    endSessions: z.boolean().optional(),
    actor,
  }),
  createRuntime: z.strictObject({ name: z.string(), actor }),
  listRuntimes: z.strictObject({}),
  revokeRuntime: z.strictObject({ id: z.string(), actor }),
  listSessions: z.strictObject({
    org: z.string(),
    state: z.enum(['created', 'waiting', 'active', 'closed', 'open']).optional(),
    limit: z.number().int().positive().optional(),
  }),
  rotateKey: z.strictObject({ id: z.string(), graceSeconds: z.number().min(0).optional(), actor }),
  rotateSigningKey: z.strictObject({ actor }),
  registryConfig: z.strictObject({}),
  rotateRegistryCa: z.strictObject({ activate: z.boolean().optional(), actor }),
  createUser: z.strictObject({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(200).optional(),
    instanceAdmin: z.boolean().optional(),
    actor,
  }),
  listUsers: z.strictObject({}),
  audit: z.strictObject({
    org: z.string(),
    sinceSeconds: z.number().positive().optional(),
    action: z.string().optional(),
    limit: z.number().int().positive().optional(),
  }),
} as const;

export type AdminOperation = keyof typeof adminInputs;

export const ADMIN_OPERATIONS = Object.keys(adminInputs) as AdminOperation[];

/** An operation's input, as callers write it. */
export type AdminInput<Op extends AdminOperation> = z.input<(typeof adminInputs)[Op]>;
