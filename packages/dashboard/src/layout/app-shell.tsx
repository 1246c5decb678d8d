import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { meQuery } from '../api/queries.js';
import { OrgSwitcher } from './org-switcher.js';

/** The signed-in frame: the org switcher, who you are, sign out, and the page. */
export function AppShell() {
  const { data: me } = useSuspenseQuery(meQuery);
  const { org } = useParams({ strict: false }) as { org?: string };
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => api.signOut(),
    onSettled: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in', search: { redirect: undefined } });
    },
  });
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Latchkey
        </Link>
        <OrgSwitcher orgs={me.orgs} current={org} />
        <div className="who">
          <Link to="/account" className="muted small account-link" title="Your account">
            {me.user.email}
          </Link>
          <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <Outlet />
    </>
  );
}
