import { isModelName } from '@latchkey/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api.js';
import { modelsQuery } from '../../api/queries.js';
import type { ModelKind, ModelVisibility, PartnerModel } from '../../api/types.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Field } from '../../components/field.js';
import { useOrg } from '../../layout/org-context.js';

/** `POST /v1/orgs/{org}/models`: a new model, `<org-slug>/<name>`, with no version yet. */
export function RegisterModelDialog({
  open,
  onClose,
  onRegistered,
}: {
  open: boolean;
  onClose: () => void;
  onRegistered: (model: PartnerModel) => void;
}) {
  const { org, ref } = useOrg();
  const queryClient = useQueryClient();
  const register = useMutation({
    mutationFn: (form: FormData) => {
      const description = String(form.get('description') ?? '').trim();
      return api.createModel(ref, {
        name: String(form.get('name')).trim(),
        kind: form.get('kind') as ModelKind,
        visibility: form.get('visibility') as ModelVisibility,
        ...(description ? { description } : {}),
      });
    },
    onSuccess: async (model) => {
      await queryClient.invalidateQueries({ queryKey: modelsQuery(ref).queryKey });
      register.reset();
      onRegistered(model);
    },
  });
  const close = () => {
    register.reset();
    onClose();
  };
  return (
    <Dialog open={open} title="Register a model" onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
          hint={
            <>
              Lowercase letters and digits, joined by “.”, “_” or “-”. Apps name it{' '}
              <code>{org.slug}/&lt;name&gt;</code>.
            </>
          }
          onInput={(e) => {
            const v = e.currentTarget.value.trim();
            e.currentTarget.setCustomValidity(
              v === '' || isModelName(`${org.slug}/${v}`)
                ? ''
                : 'Lowercase letters and digits, joined by ".", "_" or "-"',
            );
          }}
        />
        <div className="field">
          <label htmlFor="model-kind">Kind</label>
          <select id="model-kind" name="kind" defaultValue="realtime">
            <option value="realtime">Realtime: live sessions over WebRTC</option>
            <option value="batch">Batch: jobs that return a result</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="model-description">Description</label>
          <textarea id="model-description" name="description" maxLength={2000} rows={3} />
        </div>
        <div className="field">
          <label htmlFor="model-visibility">Visibility</label>
          <select id="model-visibility" name="visibility" defaultValue="private">
            <option value="private">Private: only {org.name} (and orgs you list)</option>
            <option value="public">Public: any org's session tokens may name it</option>
          </select>
        </div>
        <ErrorView error={register.error} title="Could not register the model" />
        <div className="actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={register.isPending}>
            {register.isPending ? 'Registering…' : 'Register model'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
