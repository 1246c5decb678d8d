import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api.js';
import { keysQuery } from '../../api/queries.js';
import type { ApiKey, RotatedKey } from '../../api/types.js';
import { ConfirmDialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { useOrg } from '../../layout/org-context.js';

const GRACE: Array<[string, number]> = [
  ['At once', 0],
  ['In 1 hour', 3600],
  ['In 6 hours', 6 * 3600],
  ['In 24 hours', 86_400],
];

/** Rotation in one step: a new secret now, the old one ends when you choose. */
export function RotateKeyDialog({
  apiKey,
  onClose,
  onRotated,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
  onRotated: (rotated: RotatedKey) => void;
}) {
  const { ref } = useOrg();
  const queryClient = useQueryClient();
  const [grace, setGrace] = useState(3600);
  const rotate = useMutation({
    mutationFn: (key: ApiKey) => api.rotateKey(ref, key.id, grace),
    onSuccess: async (rotated) => {
      await queryClient.invalidateQueries({ queryKey: keysQuery(ref).queryKey });
      rotate.reset();
      onRotated(rotated);
    },
  });
  const close = () => {
    rotate.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={apiKey !== null}
      title={`Rotate ${apiKey?.name ?? 'key'}`}
      confirmLabel="Rotate key"
      pending={rotate.isPending}
      onClose={close}
      onConfirm={() => apiKey && rotate.mutate(apiKey)}
    >
      <p>
        A new secret replaces <code>{apiKey?.display}</code>; it is shown once. Put it on your
        backend before the old one stops working. Tokens already minted live on until they expire.
      </p>
      <fieldset>
        <legend>The old key stops working</legend>
        {GRACE.map(([label, seconds]) => (
          <div className="check" key={seconds}>
            <input
              id={`grace-${seconds}`}
              type="radio"
              name="grace"
              checked={grace === seconds}
              onChange={() => setGrace(seconds)}
            />
            <label htmlFor={`grace-${seconds}`}>{label}</label>
          </div>
        ))}
      </fieldset>
      <ErrorView error={rotate.error} title="Could not rotate the key" />
    </ConfirmDialog>
  );
}
