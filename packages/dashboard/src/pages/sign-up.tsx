import { MAX_PASSWORD, MIN_PASSWORD } from '@latchkey/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useRouter, useSearch } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { AuthCard } from '../components/auth-card.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';

export function SignUpPage() {
  const { redirect, invitation } = useSearch({ from: '/sign-up' });
  const router = useRouter();
  const queryClient = useQueryClient();
  const signUp = useMutation({
    mutationFn: (form: FormData) =>
      api.signUp({
        email: String(form.get('email')),
        password: String(form.get('password')),
        ...(form.get('name') ? { name: String(form.get('name')) } : {}),
        ...(invitation ? { invitation } : {}),
      }),
    onSuccess: async (answer) => {
      if (!answer.signedIn) return;
      await queryClient.invalidateQueries({ queryKey: keys.me });
      router.history.push(redirect ?? '/');
    },
  });
  if (signUp.data && !signUp.data.signedIn)
    return (
      <AuthCard title="Check your email">
        <p role="status">
          We sent a link to <strong>{signUp.data.user.email}</strong>. Open it to verify your
          address; it signs you in.
        </p>
        <p className="alt">
          <Link to="/sign-in" search={{ redirect }}>
            Back to sign in
          </Link>
        </p>
      </AuthCard>
    );
  return (
    <AuthCard title="Create your account">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signUp.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field label="Name" name="name" autoComplete="name" hint="Optional." />
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          maxLength={MAX_PASSWORD}
          required
          hint={`${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`}
        />
        <ErrorView error={signUp.error} title="Could not create the account" />
        <button type="submit" className="primary" disabled={signUp.isPending}>
          {signUp.isPending ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p className="alt">
        Have an account?{' '}
        <Link to="/sign-in" search={{ redirect }}>
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
