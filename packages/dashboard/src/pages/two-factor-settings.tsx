import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { CodeBlock } from '../components/copy.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';

/** Turning TOTP on (password → secret and backup codes → a first code) or off. */
export function TwoFactorSettings({ enabled }: { enabled: boolean }) {
  const queryClient = useQueryClient();
  const done = () => queryClient.invalidateQueries({ queryKey: keys.me });
  const enable = useMutation({ mutationFn: (password: string) => api.enableTotp(password) });
  const verify = useMutation({
    mutationFn: (code: string) => api.verifyTotp({ code }),
    onSuccess: async () => {
      enable.reset();
      await done();
    },
  });
  const disable = useMutation({
    mutationFn: (password: string) => api.disableTotp(password),
    onSuccess: done,
  });
  const secret = enable.data ? new URL(enable.data.totpURI).searchParams.get('secret') : null;
  const passwordOf = (form: HTMLFormElement) => String(new FormData(form).get('password'));
  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">Two-factor authentication</h2>
      {enabled ? (
        <>
          <p>On: signing in asks for a code from your authenticator app (or a backup code).</p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              disable.mutate(passwordOf(e.currentTarget));
            }}
          >
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
            />
            <ErrorView error={disable.error} title="Could not turn it off" />
            <button type="submit" className="danger" disabled={disable.isPending}>
              Turn off two-factor authentication
            </button>
          </form>
        </>
      ) : enable.data ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            verify.mutate(String(new FormData(e.currentTarget).get('code')).replace(/\s+/g, ''));
          }}
        >
          <p>
            Add this account to your authenticator app (paste the key, or the link), keep the backup
            codes somewhere safe, then enter the code the app shows.
          </p>
          <CodeBlock label="Setup key" code={secret ?? ''} />
          <CodeBlock label="Setup link" code={enable.data.totpURI} />
          <CodeBlock label="Backup codes" code={enable.data.backupCodes.join('\n')} />
          <Field
            label="Code from the app"
            name="code"
            autoComplete="one-time-code"
            inputMode="numeric"
            required
          />
          <ErrorView error={verify.error} title="That code did not work" />
          <button type="submit" className="primary" disabled={verify.isPending}>
            Turn on
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            enable.mutate(passwordOf(e.currentTarget));
          }}
        >
          <p>Off. With it on, a stolen password alone cannot sign in.</p>
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
          <ErrorView error={enable.error} title="Could not start" />
          <button type="submit" disabled={enable.isPending}>
            Set up two-factor authentication
          </button>
        </form>
      )}
    </section>
  );
}
