import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { keysQuery, membersQuery } from '../api/queries.js';
import { useOrg } from '../layout/org-context.js';

/**
 * Names an actor as people know it: `user:<id>` becomes "you (email)" or the member's
 * email, a key id its name and display; the CLI and the system stay as recorded.
 */
export function useActorName(): (actor: string | null | undefined) => string {
  const { ref, user } = useOrg();
  const members = useQuery(membersQuery(ref));
  const keys = useQuery(keysQuery(ref));
  return useCallback(
    (actor) => {
      if (!actor) return '—';
      if (actor === `user:${user.id}`) return `you (${user.email})`;
      const id = actor.startsWith('user:') ? actor.slice(5) : undefined;
      const member = id ? members.data?.data.find((m) => m.userId === id) : undefined;
      if (member) return member.email;
      const key = keys.data?.data.find((k) => k.id === actor);
      return key ? `key “${key.name}” (${key.display})` : actor;
    },
    [members.data, keys.data, user],
  );
}
