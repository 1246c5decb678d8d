import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { ApiError } from './api/client.js';
import { meQuery } from './api/queries.js';
import { ErrorView } from './components/error-view.js';
import { NotFound } from './components/not-found.js';
import { Loading } from './components/status.js';
import { AppShell } from './layout/app-shell.js';
import { OrgLayout } from './layout/org-layout.js';
import { redirectSearch } from './lib/redirect.js';
import { AcceptInvitationPage } from './pages/accept-invitation.js';
import { AccountPage } from './pages/account.js';
import { AuditPage } from './pages/audit.js';
import { DevicePage } from './pages/device.js';
import { ForgotPasswordPage } from './pages/forgot-password.js';
import { KeysPage } from './pages/keys/keys-page.js';
import { MembersPage } from './pages/members.js';
import { ModelsPage } from './pages/models/models-page.js';
import { NewOrgPage } from './pages/new-org.js';
import { RegistryPage } from './pages/registry.js';
import { ResetPasswordPage } from './pages/reset-password.js';
import { SessionsPage } from './pages/sessions.js';
import { SettingsPage } from './pages/settings.js';
import { SignInPage } from './pages/sign-in.js';
import { SignUpPage } from './pages/sign-up.js';
import { UsagePage } from './pages/usage.js';

interface RouterContext {
  queryClient: QueryClient;
}

const root = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
  errorComponent: ({ error }) => (
    <main className="page" id="main">
      <h1>Something went wrong</h1>
      <ErrorView error={error} />
    </main>
  ),
});

// Signed-out pages.
const signIn = createRoute({
  getParentRoute: () => root,
  path: '/sign-in',
  validateSearch: redirectSearch,
  component: SignInPage,
});
const signUp = createRoute({
  getParentRoute: () => root,
  path: '/sign-up',
  validateSearch: (s: Record<string, unknown>) => ({
    ...redirectSearch(s),
    invitation: typeof s.invitation === 'string' ? s.invitation : undefined,
  }),
  component: SignUpPage,
});
const forgotPassword = createRoute({
  getParentRoute: () => root,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});
const resetPassword = createRoute({
  getParentRoute: () => root,
  path: '/reset-password',
  validateSearch: (s: Record<string, unknown>) => ({
    token: typeof s.token === 'string' ? s.token : undefined,
  }),
  component: ResetPasswordPage,
});
const acceptInvitation = createRoute({
  getParentRoute: () => root,
  path: '/invitations/$token',
  component: AcceptInvitationPage,
});

// Everything else needs the account session: without one, sign in and come back.
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    try {
      return { me: await context.queryClient.ensureQueryData(meQuery) };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        throw redirect({ to: '/sign-in', search: { redirect: location.href } });
      throw error;
    }
  },
  component: AppShell,
});
const home = createRoute({
  getParentRoute: () => app,
  path: '/',
  beforeLoad: ({ context }) => {
    const first = context.me.orgs[0];
    throw first
      ? redirect({ to: '/orgs/$org/keys', params: { org: first.slug } })
      : redirect({ to: '/orgs/new' });
  },
});
const newOrg = createRoute({ getParentRoute: () => app, path: '/orgs/new', component: NewOrgPage });
const device = createRoute({
  getParentRoute: () => app,
  path: '/device',
  validateSearch: (s: Record<string, unknown>) => ({
    code: typeof s.code === 'string' && s.code ? s.code : undefined,
  }),
  component: DevicePage,
});
const account = createRoute({
  getParentRoute: () => app,
  path: '/account',
  component: AccountPage,
});
const org = createRoute({ getParentRoute: () => app, path: '/orgs/$org', component: OrgLayout });
const orgHome = createRoute({
  getParentRoute: () => org,
  path: '/',
  beforeLoad: ({ params }) => {
    throw redirect({ to: '/orgs/$org/keys', params });
  },
});
const keysPage = createRoute({ getParentRoute: () => org, path: 'keys', component: KeysPage });
const auditPage = createRoute({ getParentRoute: () => org, path: 'audit', component: AuditPage });
const sessionsPage = createRoute({
  getParentRoute: () => org,
  path: 'sessions',
  component: SessionsPage,
});
const usagePage = createRoute({ getParentRoute: () => org, path: 'usage', component: UsagePage });
const membersPage = createRoute({
  getParentRoute: () => org,
  path: 'members',
  component: MembersPage,
});
const settingsPage = createRoute({
  getParentRoute: () => org,
  path: 'settings',
  component: SettingsPage,
});
const modelsPage = createRoute({
  getParentRoute: () => org,
  path: 'models',
  component: ModelsPage,
});
const registryPage = createRoute({
  getParentRoute: () => org,
  path: 'registry',
  component: RegistryPage,
});

const routeTree = root.addChildren([
  signIn,
  signUp,
  forgotPassword,
  resetPassword,
  acceptInvitation,
  app.addChildren([
    home,
    newOrg,
    account,
    device,
    org.addChildren([
      orgHome,
      keysPage,
      auditPage,
      sessionsPage,
      usagePage,
      membersPage,
      settingsPage,
      modelsPage,
      registryPage,
    ]),
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPendingComponent: () => <Loading />,
    scrollRestoration: true,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
