import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api.js';
import { keysQuery } from '../../api/queries.js';
import type { ApiKey } from '../../api/types.js';
import { ConfirmDialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Field } from '../../components/field.js';
import { useOrg } from '../../layout/org-context.js';

/** The kill switch: revoke, and optionally end what the key already opened. */
export function RevokeKeyDialog({
  apiKey,
  onClose,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
}) {
  const { ref } = useOrg();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [endSessions, setEndSessions] = useState(false);
  const [cascade, setCascade] = useState(false);
  const close = () => {
    revoke.reset();
    setReason('');
    setEndSessions(false);
    setCascade(false);
    onClose();
  };
  const revoke = useMutation({
    mutationFn: (key: ApiKey) =>
      api.revokeKey(ref, key.id, {
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        endSessions,
        ...(key.kind === 'partner' ? { cascade } : {}),
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keysQuery(ref).queryKey });
      close();
    },
  });
  const partner = apiKey?.kind === 'partner';
  return (
    <ConfirmDialog
      open={apiKey !== null}
      title={`Revoke ${apiKey?.name ?? 'key'}`}
      confirmLabel="Revoke key"
      pending={revoke.isPending}
      onClose={close}
      onConfirm={() => apiKey && revoke.mutate(apiKey)}
    >
      <p>
        <code>{apiKey?.display}</code> stops working everywhere within a second: anything that sends
        it is refused with API_KEY_REVOKED. This cannot be undone.
        {endSessions
          ? ' Its live sessions end now too.'
          : ' Session tokens and live sessions it already created go on until they expire.'}
      </p>
      <Field
        label="Reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        maxLength={500}
        hint="Optional; kept in the audit log (e.g. “leaked in a public repo”)."
      />
      <div className="check">
        <input
          id="revoke-end-sessions"
          type="checkbox"
          checked={endSessions}
          onChange={(e) => setEndSessions(e.target.checked)}
        />
        <label htmlFor="revoke-end-sessions">Also end its live sessions</label>
      </div>
      {partner ? (
        <div className="check">
          <input
            id="revoke-cascade"
            type="checkbox"
            checked={cascade}
            onChange={(e) => setCascade(e.target.checked)}
          />
          <label htmlFor="revoke-cascade">Also end its registry credentials</label>
        </div>
      ) : null}
      <ErrorView error={revoke.error} title="Could not revoke the key" />
    </ConfirmDialog>
  );
}
