import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useRouter, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { AuthCard } from '../components/auth-card.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { SecondFactor } from './second-factor.js';

/** A one-time link that was no good comes back as `?error=…` on the page it was for. */
function linkError(redirect: string | undefined): { code: string; back: string } | undefined {
  if (!redirect) return undefined;
  const url = new URL(redirect, window.location.origin);
  const code = url.searchParams.get('error');
  if (!code) return undefined;
  url.searchParams.delete('error');
  return { code, back: `${url.pathname}${url.search}` };
}

export function SignInPage() {
  const search = useSearch({ from: '/sign-in' });
  const failedLink = linkError(search.redirect);
  const redirect = failedLink ? failedLink.back : search.redirect;
  const router = useRouter();
  const queryClient = useQueryClient();
  const [secondFactor, setSecondFactor] = useState(false);
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: keys.me });
    router.history.push(redirect ?? '/');
  };
  const signIn = useMutation({
    mutationFn: (form: FormData) =>
      api.signIn({
        email: String(form.get('email')),
        password: String(form.get('password')),
        rememberMe: form.get('remember') === 'on',
      }),
    onSuccess: async (answer) => {
      if ('twoFactorRequired' in answer) setSecondFactor(true);
      else await done();
    },
  });
  if (secondFactor)
    return (
      <AuthCard title="Two-factor authentication">
        <SecondFactor onDone={done} onBack={() => setSecondFactor(false)} />
      </AuthCard>
    );
  return (
    <AuthCard title="Sign in">
      {failedLink ? (
        <div className="warning" role="status">
          That sign-in link cannot be used (<code>{failedLink.code}</code>): links work once and
          expire. Sign in with your password, or use “Forgot your password?” to get a new link.
        </div>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        <div className="check">
          <input id="remember" name="remember" type="checkbox" defaultChecked />
          <label htmlFor="remember">Keep me signed in on this device</label>
        </div>
        <ErrorView error={signIn.error} title="Could not sign in" />
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="alt">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p className="alt">
        New here?{' '}
        <Link to="/sign-up" search={{ redirect, invitation: undefined }}>
          Create an account
        </Link>
      </p>
    </AuthCard>
  );
}
