import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api.js';
import { keysQuery } from '../../api/queries.js';
import type { ApiKey } from '../../api/types.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Field } from '../../components/field.js';
import { useOrg } from '../../layout/org-context.js';

/** A new name for a key (PATCH /v1/orgs/{org}/keys/{keyId}); the secret does not change. */
export function RenameKeyDialog({
  apiKey,
  onClose,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
}) {
  const { ref } = useOrg();
  const queryClient = useQueryClient();
  const rename = useMutation({
    mutationFn: ({ key, name }: { key: ApiKey; name: string }) => api.renameKey(ref, key.id, name),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keysQuery(ref).queryKey });
      rename.reset();
      onClose();
    },
  });
  const close = () => {
    rename.reset();
    onClose();
  };
  return (
    <Dialog open={apiKey !== null} title={`Rename ${apiKey?.name ?? 'key'}`} onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const name = String(new FormData(e.currentTarget).get('name')).trim();
          if (apiKey) rename.mutate({ key: apiKey, name });
        }}
      >
        <Field
          label="New name"
          name="name"
          required
          maxLength={200}
          autoComplete="off"
          defaultValue={apiKey?.name}
          hint="Only the name changes: the secret, its audit trail and its sessions stay as they are."
        />
        <ErrorView error={rename.error} title="Could not rename the key" />
        <div className="actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rename.isPending}>
            {rename.isPending ? 'Working…' : 'Save name'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
