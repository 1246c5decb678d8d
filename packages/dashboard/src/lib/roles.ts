import type { Org, Role, User } from '../api/types.js';

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/** What you may do in the org: an instance admin acts as owner in every org. */
export function roleIn(org: Org, user: User): Role {
  return user.instanceAdmin ? 'owner' : (org.role ?? 'viewer');
}

/** Whether `role` is at least `needed` (the API refuses anyway; this hides what would fail). */
export function atLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export const ROLES: Role[] = ['viewer', 'developer', 'admin', 'owner'];
