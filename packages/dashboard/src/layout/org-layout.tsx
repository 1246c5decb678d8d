import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useParams } from '@tanstack/react-router';
import { meQuery, orgQuery } from '../api/queries.js';
import { ErrorView } from '../components/error-view.js';
import { Loading } from '../components/status.js';
import { roleIn } from '../lib/roles.js';
import { useTitle } from '../lib/use-title.js';
import { OrgContext } from './org-context.js';

const TABS = [
  ['keys', 'API keys'],
  ['audit', 'Audit'],
  ['sessions', 'Sessions'],
  ['usage', 'Usage'],
  ['members', 'Members'],
  ['settings', 'Settings'],
] as const;

/** A partner org's pages besides: its models and runtimes, and its registry. */
const PARTNER_TABS = [
  ['models', 'Models'],
  ['registry', 'Registry'],
] as const;

/** An org's pages: its navigation, and the org and your role for the page below. */
export function OrgLayout() {
  const { org: ref } = useParams({ from: '/app/orgs/$org' });
  const { data: me } = useSuspenseQuery(meQuery);
  const known = me.orgs.find((o) => o.slug === ref || o.id === ref);
  const info = useQuery({ ...orgQuery(ref), initialData: known });
  const section = useLocation({ select: (l) => l.pathname.split('/')[3] ?? '' });
  const label = [...TABS, ...PARTNER_TABS].find(([p]) => p === section)?.[1];
  useTitle(`${label ?? 'Organization'} · ${info.data?.name ?? ref}`);
  if (info.isPending) return <Loading what="Loading the organization" />;
  if (info.isError)
    return (
      <main className="page" id="main">
        <h1>Organization</h1>
        <ErrorView error={info.error} title="This organization cannot be opened" />
      </main>
    );
  const org = info.data;
  const tabs = org.partner ? [...TABS, ...PARTNER_TABS] : TABS;
  return (
    <OrgContext.Provider value={{ org, ref: org.slug, role: roleIn(org, me.user), user: me.user }}>
      <nav className="tabs" aria-label={`${org.name} sections`}>
        {tabs.map(([path, label]) => (
          <Link
            key={path}
            to={`/orgs/$org/${path}`}
            params={{ org: org.slug }}
            activeProps={{ className: 'active', 'aria-current': 'page' }}
          >
            {label}
          </Link>
        ))}
      </nav>
      <main className="page" id="main">
        <Outlet />
      </main>
    </OrgContext.Provider>
  );
}
