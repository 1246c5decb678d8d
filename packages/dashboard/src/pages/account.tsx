import { MAX_PASSWORD, MIN_PASSWORD } from '@latchkey/core';
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { meQuery } from '../api/queries.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { useTitle } from '../lib/use-title.js';
import { TwoFactorSettings } from './two-factor-settings.js';

/** Your account: password, second factor, and signing out everywhere. */
export function AccountPage() {
  useTitle('Your account');
  const { data: me } = useSuspenseQuery(meQuery);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const change = useMutation({
    mutationFn: (form: FormData) =>
      api.changePassword({
        currentPassword: String(form.get('current')),
        newPassword: String(form.get('new')),
        revokeOtherSessions: form.get('others') === 'on',
      }),
  });
  const everywhere = useMutation({
    mutationFn: () => api.signOut(true),
    onSuccess: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in', search: { redirect: undefined } });
    },
  });
  return (
    <main className="page narrow" id="main">
      <h1>Your account</h1>
      <p className="muted">
        {me.user.name ? `${me.user.name}, ` : ''}
        {me.user.email}
        {me.user.instanceAdmin ? ' · instance admin' : ''}
      </p>
      <section aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            change.mutate(new FormData(e.currentTarget));
          }}
        >
          <Field
            label="Current password"
            name="current"
            type="password"
            autoComplete="current-password"
            required
          />
          <Field
            label="New password"
            name="new"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            maxLength={MAX_PASSWORD}
            required
            hint={`${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`}
          />
          <div className="check">
            <input id="others" name="others" type="checkbox" defaultChecked />
            <label htmlFor="others">Sign out my other sessions</label>
          </div>
          <ErrorView error={change.error} title="Could not change the password" />
          {change.isSuccess ? <p role="status">Your password is changed.</p> : null}
          <button type="submit" className="primary" disabled={change.isPending}>
            Change password
          </button>
        </form>
      </section>
      <TwoFactorSettings enabled={me.user.twoFactorEnabled} />
      <section aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Sign out everywhere</h2>
        <p>Ends every session of your account, on every device, this one included.</p>
        <ErrorView error={everywhere.error} title="Could not sign out" />
        <button type="button" onClick={() => everywhere.mutate()} disabled={everywhere.isPending}>
          Sign out everywhere
        </button>
      </section>
    </main>
  );
}
