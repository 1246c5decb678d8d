import { MAX_PASSWORD, MIN_PASSWORD } from '@latchkey/core';
import { useMutation } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api/api.js';
import { AuthCard } from '../components/auth-card.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';

export function ResetPasswordPage() {
  const { token } = useSearch({ from: '/reset-password' });
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation({
    mutationFn: (password: string) => api.resetPassword(token ?? '', password),
  });
  if (!token)
    return (
      <AuthCard title="Choose a new password">
        <p>
          This page needs the link from the reset email.{' '}
          <Link to="/forgot-password">Ask for a new link</Link>.
        </p>
      </AuthCard>
    );
  return (
    <AuthCard title="Choose a new password">
      {reset.isSuccess ? (
        <p role="status">
          Your password is changed, and every session of your account has ended.{' '}
          <Link to="/sign-in" search={{ redirect: undefined }}>
            Sign in
          </Link>{' '}
          with the new one.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const password = String(form.get('password'));
            setMismatch(password !== String(form.get('confirm')));
            if (password === String(form.get('confirm'))) reset.mutate(password);
          }}
        >
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            maxLength={MAX_PASSWORD}
            required
            hint={`${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`}
          />
          <Field
            label="Repeat the new password"
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
          />
          {mismatch ? (
            <p className="error" role="alert">
              The two passwords differ.
            </p>
          ) : null}
          <ErrorView error={reset.error} title="Could not change the password" />
          <button type="submit" className="primary" disabled={reset.isPending}>
            Change password
          </button>
        </form>
      )}
    </AuthCard>
  );
}
