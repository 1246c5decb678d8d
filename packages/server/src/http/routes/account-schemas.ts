import { z } from 'zod';
import { MAX_PASSWORD, MIN_PASSWORD } from '../../accounts/auth.js';
import { ROLES } from '../../accounts/roles.js';

// The shapes the account and management routes share (and the dashboard validates with).

export const Email = z.email().max(254);
export const Password = z
  .string()
  .min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters`)
  .max(MAX_PASSWORD, `must be at most ${MAX_PASSWORD} characters`);
/** At sign-in any length is checked (an old password may predate today's rule). */
export const AnyPassword = z.string().min(1).max(MAX_PASSWORD);
export const RoleName = z.enum(ROLES);

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    twoFactorEnabled: z.boolean(),
    instanceAdmin: z.boolean(),
  })
  .meta({ id: 'User' });

export const Org = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    partner: z.boolean(),
    createdAt: z.string(),
    role: RoleName.nullable().describe('your role; null for an instance admin who is not a member'),
  })
  .meta({ id: 'Org' });

export const Ok = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });

export const Member = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    role: RoleName,
    joinedAt: z.string(),
  })
  .meta({ id: 'Member' });

export const Invitation = z
  .object({
    id: z.string(),
    orgId: z.string(),
    email: z.string().nullable().describe('only this address may accept it; null: anyone'),
    role: RoleName,
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    state: z.enum(['pending', 'accepted', 'expired', 'revoked']),
    acceptedBy: z.string().nullable(),
  })
  .meta({ id: 'Invitation' });
