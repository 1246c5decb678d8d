import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/api.js';
import { invitationsQuery } from '../api/queries.js';
import type { Invitation, Role } from '../api/types.js';
import { CodeBlock } from '../components/copy.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { useOrg } from '../layout/org-context.js';
import { when } from '../lib/format.js';
import { ROLES } from '../lib/roles.js';

/** Invite links (shown once) and the pending invitations, for admins. */
export function Invitations() {
  const { ref, role } = useOrg();
  const queryClient = useQueryClient();
  const list = useQuery(invitationsQuery(ref));
  const refresh = () => queryClient.invalidateQueries({ queryKey: invitationsQuery(ref).queryKey });
  const invite = useMutation({
    mutationFn: (form: FormData) => {
      const email = String(form.get('email') ?? '').trim();
      return api.invite(ref, { role: form.get('role') as Role, ...(email ? { email } : {}) });
    },
    onSuccess: refresh,
  });
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const revoke = useMutation({
    mutationFn: (i: Invitation) => api.revokeInvitation(ref, i.id),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });
  const who = (i: Invitation | null) => i?.email ?? 'anyone with the link';
  const pending = list.data?.data.filter((i) => i.state === 'pending') ?? [];
  return (
    <section aria-labelledby="invite-title" className="section">
      <h2 id="invite-title">Invite someone</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate(new FormData(e.currentTarget));
        }}
      >
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="developer">
            {ROLES.filter((r) => role === 'owner' || r !== 'owner').map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Email"
          name="email"
          type="email"
          hint="Optional: binds the link to this address."
        />
        <div className="filter-actions">
          <button type="submit" className="primary" disabled={invite.isPending}>
            Create invite link
          </button>
        </div>
      </form>
      <ErrorView error={invite.error} title="Could not create the invitation" />
      {invite.data ? (
        <div role="status">
          <p>
            Send this link to the person you invite; it is shown once, works once, and expires{' '}
            {when(invite.data.invitation.expiresAt)}.
          </p>
          <CodeBlock label="Invite link" code={invite.data.url} />
        </div>
      ) : null}
      {pending.length > 0 ? (
        <>
          <h3>Pending invitations</h3>
          <ul className="plain-list">
            {pending.map((i) => (
              <li key={i.id}>
                <span>
                  {i.email ?? 'anyone with the link'} as <strong>{i.role}</strong>, until{' '}
                  {when(i.expiresAt)}
                </span>
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRevoking(i)}
                  aria-label={`Revoke the invitation for ${who(i)} as ${i.role}`}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this invitation?"
        confirmLabel="Revoke invitation"
        pending={revoke.isPending}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>
          The link for {who(revoking)} as {revoking?.role} stops working at once; whoever opens it
          is told it has expired. You can create a new one.
        </p>
        <ErrorView error={revoke.error} title="Could not revoke the invitation" />
      </ConfirmDialog>
    </section>
  );
}
