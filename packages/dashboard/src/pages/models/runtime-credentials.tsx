import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api.js';
import { runtimeCredentialsQuery } from '../../api/queries.js';
import type { CreatedRuntimeCredential, RuntimeCredential } from '../../api/types.js';
import { CodeBlock, CopyButton } from '../../components/copy.js';
import { ConfirmDialog, Dialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Field } from '../../components/field.js';
import { Empty, Loading } from '../../components/status.js';
import { useOrg } from '../../layout/org-context.js';
import { ago, when } from '../../lib/format.js';
import { serverUrl } from '../../lib/snippets.js';

/** The org's runtime credentials (`rt_…`): list, create (secret shown once), revoke. */
export function RuntimeCredentials({ canWrite }: { canWrite: boolean }) {
  const { org, ref } = useOrg();
  const list = useQuery(runtimeCredentialsQuery(ref));
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  // The one-time secret: shown until closed, never fetched again (the server keeps a hash).
  const [created, setCreated] = useState<CreatedRuntimeCredential | null>(null);
  const [revoking, setRevoking] = useState<RuntimeCredential | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: runtimeCredentialsQuery(ref).queryKey });
  const create = useMutation({
    mutationFn: (name: string) => api.createRuntimeCredential(ref, name),
    onSuccess: async (c) => {
      await refresh();
      create.reset();
      setCreating(false);
      setCreated(c);
    },
  });
  const revoke = useMutation({
    mutationFn: (c: RuntimeCredential) => api.revokeRuntimeCredential(ref, c.id),
    onSuccess: async () => {
      await refresh();
      setRevoking(null);
    },
  });
  const rows = list.data?.data ?? [];
  return (
    <section className="section" aria-labelledby="runtimes-heading">
      <div className="page-head">
        <h2 id="runtimes-heading">Runtimes</h2>
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create runtime credential
          </button>
        ) : null}
      </div>
      <p className="muted">
        A runtime on your own machine serves {org.name}'s models with a runtime credential (rt_…);
        it may serve only this org's models.
      </p>
      {list.isPending ? (
        <Loading what="Loading runtime credentials" />
      ) : list.isError ? (
        <ErrorView error={list.error} title="Could not load runtime credentials" />
      ) : rows.length === 0 ? (
        <Empty title="No runtime credentials yet." />
      ) : (
        <table className="table-cards">
          <caption className="visually-hidden">Runtime credentials</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Credential</th>
              <th scope="col">State</th>
              <th scope="col">Serves</th>
              <th scope="col">Last seen</th>
              {canWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <th scope="row" data-label="Name">
                  {c.name}
                </th>
                <td data-label="Credential">
                  <code className="nowrap">{c.display ?? '—'}</code>
                </td>
                <td data-label="State">
                  <span className={`badge ${c.state}`}>{c.state}</span>
                </td>
                <td data-label="Serves">{c.models.length ? c.models.join(', ') : '—'}</td>
                <td data-label="Last seen" title={when(c.lastSeenAt)}>
                  {ago(c.lastSeenAt)}
                </td>
                {canWrite ? (
                  <td data-label="Actions">
                    {c.state === 'revoked' ? (
                      <span className="muted small">—</span>
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setRevoking(c)}
                        aria-label={`Revoke runtime credential ${c.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <Dialog
        open={creating}
        title="Create a runtime credential"
        onClose={() => {
          create.reset();
          setCreating(false);
        }}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(String(new FormData(e.currentTarget).get('name')).trim());
          }}
        >
          <Field
            label="Name"
            name="name"
            required
            maxLength={100}
            autoComplete="off"
            hint="The machine it runs on, e.g. “gpu-1”."
          />
          <ErrorView error={create.error} title="Could not create the credential" />
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                create.reset();
                setCreating(false);
              }}
            >
              Cancel
            </button>
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create credential'}
            </button>
          </div>
        </form>
      </Dialog>

      <Dialog
        open={created !== null}
        title="Your new runtime credential"
        onClose={() => setCreated(null)}
      >
        {created ? (
          <>
            <p className="warning">
              Copy <strong>{created.name}</strong> now: this is the only time its secret is shown.
              Keep it on the runtime's machine.
            </p>
            <div className="field">
              <label htmlFor="runtime-secret">Runtime credential</label>
              <div className="with-button">
                <input
                  id="runtime-secret"
                  readOnly
                  value={created.secret}
                  className="mono"
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton text={created.secret} label="Copy credential" />
              </div>
            </div>
            <CodeBlock
              label="Run the runtime"
              code={`LATCHKEY_RUNTIME_KEY=${created.secret} latchkey runtime --server ${serverUrl()} --model ./dist/model.js`}
            />
            <div className="actions">
              <button type="button" className="primary" onClick={() => setCreated(null)}>
                I have stored it
              </button>
            </div>
          </>
        ) : null}
      </Dialog>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke runtime credential ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke credential"
        pending={revoke.isPending}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>
          The runtime using <code>{revoking?.display ?? revoking?.name}</code> is refused from now
          on, and the sessions it holds end.
        </p>
        <ErrorView error={revoke.error} title="Could not revoke" />
      </ConfirmDialog>
    </section>
  );
}
