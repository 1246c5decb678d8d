import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api/api.js';
import { modelsQuery, runtimeCredentialsQuery } from '../../api/queries.js';
import type { ModelVersion, PartnerModel } from '../../api/types.js';
import { CodeBlock } from '../../components/copy.js';
import { ConfirmDialog } from '../../components/dialog.js';
import { ErrorView } from '../../components/error-view.js';
import { Empty, Loading } from '../../components/status.js';
import { useOrg } from '../../layout/org-context.js';
import { atLeast } from '../../lib/roles.js';
import { partnerCommands, runtimeCommands, serverUrl } from '../../lib/snippets.js';
import { EditModelDialog } from './edit-model-dialog.js';
import { ModelCard } from './model-card.js';
import { shortName } from './model-name.js';
import { RegisterModelDialog } from './register-model-dialog.js';
import { RuntimeCredentials } from './runtime-credentials.js';

/** A partner org's models: versions and their states, weights, runtimes, and the CLI's way. */
export function ModelsPage() {
  const { org, ref, role } = useOrg();
  const list = useQuery(modelsQuery(ref));
  const credentials = useQuery(runtimeCredentialsQuery(ref));
  const queryClient = useQueryClient();
  // A runtime that just joined shows in the models before the credentials' next poll:
  // fetch them now, so "Served by" does not call it offline or never seen.
  const stale = (list.data?.data ?? []).some((m) =>
    m.versions.some((v) =>
      v.runtimes.some((r) => {
        const c = credentials.data?.data.find((x) => x.id === r.id);
        return c !== undefined && c.state !== 'online';
      }),
    ),
  );
  useEffect(() => {
    if (stale)
      void queryClient.invalidateQueries({ queryKey: runtimeCredentialsQuery(ref).queryKey });
  }, [stale, queryClient, ref]);
  const [registering, setRegistering] = useState(false);
  const [editing, setEditing] = useState<PartnerModel | null>(null);
  const [retiring, setRetiring] = useState<{ model: PartnerModel; version: ModelVersion } | null>(
    null,
  );
  const retire = useMutation({
    mutationFn: ({ model, version }: { model: PartnerModel; version: ModelVersion }) =>
      api.retireVersion(ref, shortName(model.name), version.version),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: modelsQuery(ref).queryKey });
      setRetiring(null);
    },
  });
  const canWrite = atLeast(role, 'developer');
  const server = serverUrl();
  const models = list.data?.data ?? [];
  const first = models[0] ? shortName(models[0].name) : undefined;
  return (
    <>
      <div className="page-head">
        <h1>Models</h1>
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setRegistering(true)}>
            Register a model
          </button>
        ) : null}
      </div>
      <p className="muted">
        {org.name}'s models, named <code>{org.slug}/&lt;name&gt;</code>. A version goes live when
        one of your runtimes serves it; this page follows their states every few seconds.
        {canWrite ? null : ` As a ${role} in ${org.name} you can see the models, not change them.`}
      </p>

      {list.isPending ? (
        <Loading what="Loading models" />
      ) : list.isError ? (
        <ErrorView error={list.error} title="Could not load the models" />
      ) : models.length === 0 ? (
        <Empty title="No models registered yet.">
          <p className="muted">
            Register a model, push its weights, publish a version that uses them, then run a runtime
            that serves it; app developers then name <code>{org.slug}/&lt;name&gt;</code> in their
            session tokens. The CLI does all of it (commands below).
          </p>
        </Empty>
      ) : (
        models.map((m) => (
          <ModelCard
            key={m.id}
            model={m}
            credentials={credentials.data?.data ?? []}
            canWrite={canWrite}
            onEdit={setEditing}
            onRetire={(model, version) => setRetiring({ model, version })}
          />
        ))
      )}

      <section className="section" aria-labelledby="cli-heading">
        <h2 id="cli-heading">From the CLI</h2>
        <p className="muted">
          Log in with a partner key (rp_…) or through the browser, then register, push and publish.
        </p>
        <CodeBlock label="Model commands" code={partnerCommands(server, first)} />
        <CodeBlock label="Runtime commands" code={runtimeCommands(server)} />
      </section>

      <RuntimeCredentials canWrite={canWrite} />

      <RegisterModelDialog
        open={registering}
        onClose={() => setRegistering(false)}
        onRegistered={() => setRegistering(false)}
      />
      <EditModelDialog model={editing} onClose={() => setEditing(null)} />
      <ConfirmDialog
        open={retiring !== null}
        title={`Retire ${retiring?.model.name ?? ''} version ${retiring?.version.version ?? ''}?`}
        confirmLabel="Retire version"
        pending={retire.isPending}
        onClose={() => {
          retire.reset();
          setRetiring(null);
        }}
        onConfirm={() => retiring && retire.mutate(retiring)}
      >
        <p>
          Tokens and sessions that name{' '}
          <code>
            {retiring?.model.name}@{retiring?.version.version}
          </code>{' '}
          are refused from now on (<code>MODEL_RETIRED</code>). A published version never comes
          back; publish a new one instead.
        </p>
        <ErrorView error={retire.error} title="Could not retire the version" />
      </ConfirmDialog>
    </>
  );
}
