import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api.js';
import { modelsQuery } from '../../api/queries.js';
import type { ModelVisibility, PartnerModel } from '../../api/types.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { useOrg } from '../../layout/org-context.js';
import { shortName } from './model-name.js';

/** "a, b ,c" → ["a", "b", "c"], sorted (the API lists them by slug). */
const orgList = (text: string) =>
  [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ].sort();

/** `PATCH /v1/orgs/{org}/models/{model}`: visibility, who else may use it, description, default. */
export function EditModelDialog({
  model,
  onClose,
}: {
  model: PartnerModel | null;
  onClose: () => void;
}) {
  const { ref } = useOrg();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: ({ m, form }: { m: PartnerModel; form: FormData }) => {
      const visibility = form.get('visibility') as ModelVisibility;
      const defaultVersion = String(form.get('defaultVersion') ?? '');
      const description = String(form.get('description') ?? '').trim();
      const allowedOrgs = orgList(String(form.get('allowedOrgs') ?? ''));
      return api.updateModel(ref, shortName(m.name), {
        ...(visibility !== m.visibility ? { visibility } : {}),
        ...(defaultVersion && defaultVersion !== m.defaultVersion ? { defaultVersion } : {}),
        ...(description !== m.description ? { description } : {}),
        ...(allowedOrgs.join(',') !== m.allowedOrgs.join(',') ? { allowedOrgs } : {}),
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: modelsQuery(ref).queryKey });
      save.reset();
      onClose();
    },
  });
  const close = () => {
    save.reset();
    onClose();
  };
  const usable = model?.versions.filter((v) => v.state !== 'retired') ?? [];
  return (
    <Dialog open={model !== null} title={`Change ${model?.name ?? 'the model'}`} onClose={close}>
      {model ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ m: model, form: new FormData(e.currentTarget) });
          }}
        >
          <div className="field">
            <label htmlFor="edit-visibility">Visibility</label>
            <select id="edit-visibility" name="visibility" defaultValue={model.visibility}>
              <option value="private">Private: only this org (and orgs listed on it)</option>
              <option value="public">Public: any org's session tokens may name it</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="edit-allowed">Also allowed (private)</label>
            <input
              id="edit-allowed"
              name="allowedOrgs"
              defaultValue={model.allowedOrgs.join(', ')}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="edit-allowed-hint"
            />
            <p id="edit-allowed-hint" className="hint">
              Slugs of other orgs whose session tokens may name it while it is private, separated by
              commas.
            </p>
          </div>
          <div className="field">
            <label htmlFor="edit-description">Description</label>
            <textarea
              id="edit-description"
              name="description"
              maxLength={2000}
              rows={3}
              defaultValue={model.description}
            />
          </div>
          <div className="field">
            <label htmlFor="edit-default">Default version</label>
            <select
              id="edit-default"
              name="defaultVersion"
              defaultValue={model.defaultVersion ?? ''}
              disabled={usable.length === 0}
              aria-describedby="edit-default-hint"
            >
              {model.defaultVersion === null ? <option value="">None yet</option> : null}
              {usable.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version} ({v.state})
                </option>
              ))}
            </select>
            <p id="edit-default-hint" className="hint">
              What a bare <code>{model.name}</code> means; <code>{model.name}@VERSION</code> names
              one.
            </p>
          </div>
          <ErrorView error={save.error} title="Could not change the model" />
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save changes'}
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
