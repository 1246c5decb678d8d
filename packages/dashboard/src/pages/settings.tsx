import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { useOrg } from '../layout/org-context.js';
import { atLeast } from '../lib/roles.js';
import { SLUG_PATTERN } from '../lib/slug.js';

export function SettingsPage() {
  const { org, ref, role, user } = useOrg();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const [typed, setTyped] = useState('');
  const isAdmin = atLeast(role, 'admin');
  const update = useMutation({
    mutationFn: (form: FormData) =>
      api.updateOrg(ref, {
        name: String(form.get('name')).trim(),
        slug: String(form.get('slug')).trim(),
        ...(user.instanceAdmin ? { partner: form.get('partner') === 'on' } : {}),
      }),
    onSuccess: async (updated) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await queryClient.invalidateQueries({ queryKey: keys.org(ref) });
      if (updated.slug !== ref)
        await navigate({ to: '/orgs/$org/settings', params: { org: updated.slug } });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteOrg(ref),
    onSuccess: async () => {
      setDeleting(false);
      queryClient.removeQueries({ queryKey: keys.org(ref) });
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate({ to: '/' });
    },
  });
  return (
    <>
      <h1>Settings</h1>
      <form
        className="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate(new FormData(e.currentTarget));
        }}
      >
        <fieldset disabled={!isAdmin}>
          <legend>Organization</legend>
          <Field label="Name" name="name" defaultValue={org.name} required maxLength={200} />
          <Field
            label="Slug"
            name="slug"
            defaultValue={org.slug}
            required
            maxLength={48}
            pattern={SLUG_PATTERN}
            hint="Used in URLs and API paths; changing it breaks links that use the old one."
          />
          {user.instanceAdmin ? (
            <div className="check">
              <input id="org-partner" name="partner" type="checkbox" defaultChecked={org.partner} />
              <label htmlFor="org-partner">Model partner (partner keys, the registry)</label>
            </div>
          ) : null}
          {isAdmin ? (
            <button type="submit" className="primary" disabled={update.isPending}>
              Save
            </button>
          ) : (
            <p className="muted">Only admins change these.</p>
          )}
        </fieldset>
      </form>
      <ErrorView error={update.error} title="Could not save" />
      {update.isSuccess ? <p role="status">Saved.</p> : null}
      {role === 'owner' ? (
        <section className="danger-zone" aria-labelledby="danger-title">
          <h2 id="danger-title">Danger zone</h2>
          <p>
            Deleting {org.name} revokes every key, ends its live sessions and registry credentials,
            and removes every member. It cannot be undone.
          </p>
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete organization
          </button>
        </section>
      ) : null}
      <ConfirmDialog
        open={deleting}
        title={`Delete ${org.name}?`}
        confirmLabel="Delete organization"
        pending={remove.isPending || typed !== org.slug}
        onClose={() => {
          setDeleting(false);
          setTyped('');
          remove.reset();
        }}
        onConfirm={() => typed === org.slug && remove.mutate()}
      >
        <p>
          Every key of {org.name} stops working at once, its live sessions and registry credentials
          end, and its members lose access. The audit log stays.
        </p>
        <Field
          label={`Type ${org.slug} to confirm`}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
        />
        <ErrorView error={remove.error} title="Could not delete" />
      </ConfirmDialog>
    </>
  );
}
