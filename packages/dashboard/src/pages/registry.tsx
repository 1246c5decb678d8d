import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/api.js';
import { registryQuery } from '../api/queries.js';
import type { RegistryCredential } from '../api/types.js';
import { CodeBlock } from '../components/copy.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorView } from '../components/error-view.js';
import { Empty, Loading } from '../components/status.js';
import { useOrg } from '../layout/org-context.js';
import { when } from '../lib/format.js';
import { atLeast } from '../lib/roles.js';
import { serverUrl } from '../lib/snippets.js';

export function RegistryPage() {
  const { org, ref, role } = useOrg();
  const creds = useQuery(registryQuery(ref));
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<RegistryCredential | null>(null);
  const revoke = useMutation({
    mutationFn: (c: RegistryCredential) => api.revokeCredential(ref, c.id),
    onSuccess: async () => {
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: registryQuery(ref).queryKey });
    },
  });
  const canRevoke = atLeast(role, 'developer');
  const registry = creds.data?.registry;
  const rows = creds.data?.data ?? [];
  return (
    <>
      <h1>Registry</h1>
      <p className="muted">
        Push {org.name}'s model images and weights to the platform's container registry
        {registry ? (
          <>
            {' '}
            at <code>{registry}</code>
          </>
        ) : null}
        . Credentials last 12 hours; the CLI fetches them with a partner key.
      </p>
      <CodeBlock
        label="Log in from your machine"
        code={`latchkey auth login --server ${serverUrl()}   # paste a partner key (rp_…)\nlatchkey auth docker-login\ndocker push ${registry ?? '<registry>'}/${org.slug}/<model>:<tag>`}
      />
      <h2>Issued credentials</h2>
      {creds.isPending ? (
        <Loading what="Loading credentials" />
      ) : creds.isError ? (
        <ErrorView error={creds.error} title="Could not load registry credentials" />
      ) : rows.length === 0 ? (
        <Empty title="No registry credentials issued yet." />
      ) : (
        <ul className="plain-list">
          {rows.map((c) => (
            <li key={c.id}>
              <span>
                <code className="nowrap">{c.display}</code>{' '}
                <span className={`badge ${c.state}`}>{c.state}</span> · key{' '}
                <code className="nowrap">{c.keyDisplay ?? '—'}</code> · issued {when(c.createdAt)}
                {c.state === 'revoked'
                  ? `, revoked ${when(c.revokedAt)}`
                  : `, ends ${when(c.expiresAt)}`}
              </span>
              {canRevoke && c.state === 'active' ? (
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRevoking(c)}
                  aria-label={`Revoke credential ${c.display}`}
                >
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this registry credential?"
        confirmLabel="Revoke credential"
        pending={revoke.isPending}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>
          Docker logins with <code>{revoking?.display}</code> stop working at once; pushes in
          progress fail. The partner key that fetched it keeps working.
        </p>
        <ErrorView error={revoke.error} title="Could not revoke" />
      </ConfirmDialog>
    </>
  );
}
