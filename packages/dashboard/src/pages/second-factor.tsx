import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/api.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';

/** The second step of sign-in: a code from the authenticator app, or a backup code. */
export function SecondFactor({ onDone, onBack }: { onDone: () => void; onBack: () => void }) {
  const [backup, setBackup] = useState(false);
  const verify = useMutation({
    mutationFn: (form: FormData) => {
      const code = String(form.get('code')).replace(/\s+/g, '');
      return backup
        ? api.verifyBackupCode({ code })
        : api.verifyTotp({ code, trustDevice: form.get('trust') === 'on' });
    },
    onSuccess: onDone,
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        verify.mutate(new FormData(e.currentTarget));
      }}
    >
      <p>
        {backup
          ? 'Enter one of the backup codes you saved when you turned on two-factor authentication.'
          : 'Enter the 6-digit code from your authenticator app.'}
      </p>
      <Field
        key={backup ? 'backup' : 'totp'}
        label={backup ? 'Backup code' : 'Authentication code'}
        name="code"
        autoComplete="one-time-code"
        inputMode={backup ? 'text' : 'numeric'}
        pattern={backup ? undefined : '[0-9 ]{6,7}'}
        required
        autoFocus
      />
      {backup ? null : (
        <div className="check">
          <input id="trust" name="trust" type="checkbox" />
          <label htmlFor="trust">Trust this device for 30 days</label>
        </div>
      )}
      <ErrorView error={verify.error} title="Could not verify the code" />
      <button type="submit" className="primary" disabled={verify.isPending}>
        Verify
      </button>
      <div className="actions start">
        <button type="button" className="link" onClick={() => setBackup(!backup)}>
          {backup ? 'Use the authenticator app' : 'Use a backup code instead'}
        </button>
        <button type="button" className="link" onClick={onBack}>
          Back to sign in
        </button>
      </div>
    </form>
  );
}
