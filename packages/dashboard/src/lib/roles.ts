import type { Org, Role, User } from '../api/types.js';

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/** Your role in the org; an instance admin who is not a member acts as owner. */
export function roleIn(org: Org, user: User): Role {
  return org.role ?? (user.instanceAdmin ? 'owner' : 'viewer');
}

/** Whether `role` is at least `needed` (the API refuses anyway; this hides what would fail). */
export function atLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export const ROLES: Role[] = ['viewer', 'developer', 'admin', 'owner'];
