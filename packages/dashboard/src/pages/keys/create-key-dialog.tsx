import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api.js';
import { keysQuery } from '../../api/queries.js';
import type { CreatedKey, KeyKind } from '../../api/types.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Field } from '../../components/field.js';
import { useOrg } from '../../layout/org-context.js';

const DAY = 86_400;
const EXPIRY: Array<[string, number | undefined]> = [
  ['Never', undefined],
  ['In 7 days', 7 * DAY],
  ['In 30 days', 30 * DAY],
  ['In 90 days', 90 * DAY],
  ['In 1 year', 365 * DAY],
];

export function CreateKeyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (created: CreatedKey) => void;
}) {
  const { org, ref } = useOrg();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (form: FormData) => {
      const expires = EXPIRY[Number(form.get('expires'))]?.[1];
      return api.createKey(ref, {
        name: String(form.get('name')).trim(),
        kind: (form.get('kind') as KeyKind | null) ?? 'app',
        ...(expires ? { expiresIn: expires } : {}),
      });
    },
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: keysQuery(ref).queryKey });
      create.reset();
      onCreated(created);
    },
  });
  return (
    <Dialog
      open={open}
      title="Create an API key"
      onClose={() => {
        create.reset();
        onClose();
      }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={200}
          autoComplete="off"
          hint="Where it is used, e.g. “production backend”."
        />
        {org.partner ? (
          <fieldset>
            <legend>Kind</legend>
            <div className="check">
              <input id="kind-app" type="radio" name="kind" value="app" defaultChecked />
              <label htmlFor="kind-app">App key (rk_): mints session tokens for your users</label>
            </div>
            <div className="check">
              <input id="kind-partner" type="radio" name="kind" value="partner" />
              <label htmlFor="kind-partner">
                Partner key (rp_): the CLI, registry pushes and runtimes
              </label>
            </div>
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor="key-expires">Expires</label>
          <select id="key-expires" name="expires" defaultValue="0">
            {EXPIRY.map(([label], i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <ErrorView error={create.error} title="Could not create the key" />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
