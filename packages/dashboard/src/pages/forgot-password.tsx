import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { AuthCard } from '../components/auth-card.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';

export function ForgotPasswordPage() {
  const request = useMutation({
    mutationFn: async (email: string) => {
      await api.requestPasswordReset(email);
      return email;
    },
  });
  return (
    <AuthCard title="Reset your password">
      {request.isSuccess ? (
        <p role="status">
          If an account exists for <strong>{request.data}</strong>, we sent it a link to choose a
          new password. The link works once.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            request.mutate(String(new FormData(e.currentTarget).get('email')));
          }}
        >
          <p>We will email you a link to choose a new password.</p>
          <Field label="Email" name="email" type="email" autoComplete="email" required />
          <ErrorView error={request.error} title="Could not send the link" />
          <button type="submit" className="primary" disabled={request.isPending}>
            Send the link
          </button>
        </form>
      )}
      <p className="alt">
        <Link to="/sign-in" search={{ redirect: undefined }}>
          Back to sign in
        </Link>
      </p>
    </AuthCard>
  );
}
