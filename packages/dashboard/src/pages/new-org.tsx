import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api } from '../api/api.js';
import { keys } from '../api/queries.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { SLUG_PATTERN } from '../lib/slug.js';
import { useTitle } from '../lib/use-title.js';

export function NewOrgPage() {
  useTitle('Create an organization');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (form: FormData) => {
      const slug = String(form.get('slug') ?? '').trim();
      return api.createOrg({ name: String(form.get('name')).trim(), ...(slug ? { slug } : {}) });
    },
    onSuccess: async (org) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate({ to: '/orgs/$org/keys', params: { org: org.slug } });
    },
  });
  return (
    <main className="page narrow" id="main">
      <h1>Create an organization</h1>
      <p className="muted">
        An organization holds your API keys, members and audit log. You become its owner.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(new FormData(e.currentTarget));
        }}
      >
        <Field label="Name" name="name" required maxLength={200} autoComplete="organization" />
        <Field
          label="Slug"
          name="slug"
          pattern={SLUG_PATTERN}
          maxLength={48}
          hint="Optional: lowercase letters, digits and dashes, used in URLs. Made from the name when left empty."
        />
        <ErrorView error={create.error} title="Could not create the organization" />
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create organization'}
        </button>
      </form>
    </main>
  );
}
