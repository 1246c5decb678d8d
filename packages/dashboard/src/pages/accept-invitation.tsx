import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { keys, meQuery } from '../api/queries.js';
import { AuthCard } from '../components/auth-card.js';
import { ErrorView } from '../components/error-view.js';
import { Loading } from '../components/status.js';
import { when } from '../lib/format.js';

export function AcceptInvitationPage() {
  const { token } = useParams({ from: '/invitations/$token' });
  const here = `/invitations/${encodeURIComponent(token)}`;
  const offer = useQuery({ queryKey: ['invitation', token], queryFn: () => api.invitation(token) });
  const me = useQuery({ ...meQuery, retry: false });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const accept = useMutation({
    mutationFn: () => api.acceptInvitation(token),
    onSuccess: async ({ org }) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate({ to: '/orgs/$org/keys', params: { org: org.slug } });
    },
  });
  if (offer.isPending || me.isPending)
    return (
      <AuthCard title="Invitation">
        <Loading what="Reading the invitation" />
      </AuthCard>
    );
  if (offer.isError)
    return (
      <AuthCard title="Invitation">
        <ErrorView error={offer.error} title="This invitation cannot be used" />
      </AuthCard>
    );
  const { org, role, email, expiresAt } = offer.data;
  const user = me.data?.user;
  return (
    <AuthCard title={`Join ${org.name}`}>
      <p>
        You are invited to <strong>{org.name}</strong> as <strong>{role}</strong>
        {email ? (
          <>
            {' '}
            (for <strong>{email}</strong>)
          </>
        ) : null}
        . The invitation works until {when(expiresAt)}.
      </p>
      {user ? (
        <>
          <p className="muted">Signed in as {user.email}.</p>
          {email && email.toLowerCase() !== user.email.toLowerCase() ? (
            <p className="warning">
              This invitation is for {email}; sign in with that address to accept it.
            </p>
          ) : null}
          <ErrorView error={accept.error} title="Could not accept" />
          <button
            type="button"
            className="primary"
            onClick={() => accept.mutate()}
            disabled={accept.isPending}
          >
            Accept invitation
          </button>
        </>
      ) : (
        <div className="actions start">
          <Link to="/sign-in" search={{ redirect: here }} className="button-link primary">
            Sign in to accept
          </Link>
          <Link
            to="/sign-up"
            search={{ redirect: here, invitation: token }}
            className="button-link"
          >
            Create an account
          </Link>
        </div>
      )}
    </AuthCard>
  );
}
