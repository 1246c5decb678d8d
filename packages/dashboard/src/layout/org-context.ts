import { createContext, useContext } from 'react';
import type { Org, Role, User } from '../api/types.js';

export interface OrgContextValue {
  org: Org;
  /** The ref used in API paths (the slug). */
  ref: string;
  role: Role;
  user: User;
}

export const OrgContext = createContext<OrgContextValue | null>(null);

/** The org the page is about, your role in it, and you. */
export function useOrg(): OrgContextValue {
  const value = useContext(OrgContext);
  if (!value) throw new Error('useOrg() outside an org page');
  return value;
}
