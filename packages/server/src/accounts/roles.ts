import type { ErrorCode } from '@latchkey/core';
import type { Role } from './schema.js';

export type { Role };

/** Lowest first: each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'developer', 'admin', 'owner'] as const satisfies readonly Role[];

export const isRole = (r: unknown): r is Role => ROLES.includes(r as Role);

export const roleRank = (r: Role): number => ROLES.indexOf(r);

/** Whether `held` is at least `needed`. */
export const hasRole = (held: Role, needed: Role): boolean => roleRank(held) >= roleRank(needed);

/** The 403 code that names the role a refused action needs (viewer is membership: 404). */
export const roleRequiredCode: Record<Exclude<Role, 'viewer'>, ErrorCode> = {
  developer: 'DEVELOPER_ROLE_REQUIRED',
  admin: 'ADMIN_ROLE_REQUIRED',
  owner: 'OWNER_ROLE_REQUIRED',
};
