import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api/api.js';
import { keys, membersQuery } from '../api/queries.js';
import type { Member, Role } from '../api/types.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorView } from '../components/error-view.js';
import { Loading } from '../components/status.js';
import { useOrg } from '../layout/org-context.js';
import { when } from '../lib/format.js';
import { atLeast, ROLES } from '../lib/roles.js';
import { Invitations } from './invitations.js';

export function MembersPage() {
  const { org, ref, role, user } = useOrg();
  const members = useQuery(membersQuery(ref));
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [removing, setRemoving] = useState<Member | null>(null);
  const isAdmin = atLeast(role, 'admin');
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersQuery(ref).queryKey });
  // A role change is confirmed first: it can take away what someone may do.
  const [changing, setChanging] = useState<{ m: Member; to: Role } | null>(null);
  const setRole = useMutation({
    mutationFn: ({ m, to }: { m: Member; to: Role }) => api.setRole(ref, m.userId, to),
    // The list shows the new role before the dialog closes (no flash of the old one).
    onSuccess: async () => {
      await refresh();
      setChanging(null);
    },
    onError: refresh,
  });
  const remove = useMutation({
    mutationFn: (m: Member) => api.removeMember(ref, m.userId),
    onSuccess: async (_r, m) => {
      setRemoving(null);
      if (m.userId === user.id) {
        await queryClient.invalidateQueries({ queryKey: keys.me });
        await navigate({ to: '/' });
      } else await refresh();
    },
  });
  // Owners are made and unmade by owners only.
  const assignable = (m: Member) =>
    role === 'owner' ? ROLES : m.role === 'owner' ? [] : ROLES.filter((r) => r !== 'owner');
  return (
    <>
      <h1>Members</h1>
      {members.isPending ? (
        <Loading what="Loading members" />
      ) : members.isError ? (
        <ErrorView error={members.error} title="Could not load members" />
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Members of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.data.data.map((m) => (
              <tr key={m.userId}>
                <th scope="row" data-label="Name">
                  {m.name || '—'}
                  {m.userId === user.id ? <span className="muted small"> (you)</span> : null}
                </th>
                <td data-label="Email">{m.email}</td>
                <td data-label="Role">
                  {isAdmin && assignable(m).length > 0 ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={setRole.isPending}
                      onChange={(e) => setChanging({ m, to: e.target.value as Role })}
                    >
                      {assignable(m).map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td data-label="Joined">{when(m.joinedAt)}</td>
                <td data-label="Actions">
                  {isAdmin || m.userId === user.id ? (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setRemoving(m)}
                      aria-label={
                        m.userId === user.id ? 'Leave the organization' : `Remove ${m.email}`
                      }
                    >
                      {m.userId === user.id ? 'Leave' : 'Remove'}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={changing !== null}
        title={`Make ${changing?.m.email} ${changing?.to}?`}
        confirmLabel="Change role"
        pending={setRole.isPending}
        onClose={() => {
          setRole.reset();
          setChanging(null);
        }}
        onConfirm={() => changing && setRole.mutate(changing)}
      >
        <p>
          {changing?.m.userId === user.id ? 'You' : changing?.m.email} will be{' '}
          <strong>{changing?.to}</strong> in {org.name} instead of {changing?.m.role}, at once.
          {changing?.to === 'viewer' ? ' Viewers can read but not change anything.' : ''}
        </p>
        <ErrorView error={setRole.error} title="Could not change the role" />
      </ConfirmDialog>
      {isAdmin ? <Invitations /> : null}
      <ConfirmDialog
        open={removing !== null}
        title={removing?.userId === user.id ? `Leave ${org.name}?` : `Remove ${removing?.email}?`}
        confirmLabel={removing?.userId === user.id ? 'Leave' : 'Remove member'}
        pending={remove.isPending}
        onClose={() => {
          remove.reset();
          setRemoving(null);
        }}
        onConfirm={() => removing && remove.mutate(removing)}
      >
        <p>
          {removing?.userId === user.id ? 'You lose' : `${removing?.email} loses`} access to{' '}
          {org.name} at once. The keys they created keep working; revoke them on the API keys page
          if they should not.
        </p>
        <ErrorView error={remove.error} title="Could not remove" />
      </ConfirmDialog>
    </>
  );
}
