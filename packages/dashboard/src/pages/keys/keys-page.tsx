import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { keysQuery } from '../../api/queries.js';
import type { ApiKey, CreatedKey, KeyState } from '../../api/types.js';
import { ErrorView } from '../../components/error-view.js';
import { Loading } from '../../components/status.js';
import { useOrg } from '../../layout/org-context.js';
import { atLeast } from '../../lib/roles.js';
import { CreateKeyDialog } from './create-key-dialog.js';
import { FirstKeyGuide } from './first-key-guide.js';
import { KeysTable } from './keys-table.js';
import { RenameKeyDialog } from './rename-key-dialog.js';
import { RevokeKeyDialog } from './revoke-key-dialog.js';
import { RotateKeyDialog } from './rotate-key-dialog.js';
import { SecretDialog } from './secret-dialog.js';

export function KeysPage() {
  const { org, ref, role } = useOrg();
  const list = useQuery(keysQuery(ref));
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<ApiKey | null>(null);
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [shown, setShown] = useState<KeyState | 'all'>('all');
  // The one-time secret: shown until closed, never fetched again (the server keeps a hash).
  const [secret, setSecret] = useState<(CreatedKey & { oldEnds?: string | null }) | null>(null);
  const canWrite = atLeast(role, 'developer');

  const dialogs = (
    <>
      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(created) => {
          setCreating(false);
          setSecret(created);
        }}
      />
      <RenameKeyDialog apiKey={renaming} onClose={() => setRenaming(null)} />
      <RotateKeyDialog
        apiKey={rotating}
        onClose={() => setRotating(null)}
        onRotated={(rotated) => {
          setRotating(null);
          setSecret({ ...rotated, oldEnds: rotated.old.expiresAt });
        }}
      />
      <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} />
      <SecretDialog created={secret} onClose={() => setSecret(null)} />
    </>
  );

  if (list.isPending) return <Loading what="Loading keys" />;
  if (list.isError)
    return (
      <>
        <h1>API keys</h1>
        <ErrorView error={list.error} title="Could not load the keys" />
      </>
    );
  const all = list.data.data;
  if (all.length === 0)
    return (
      <>
        <FirstKeyGuide canCreate={canWrite} onCreate={() => setCreating(true)} />
        {dialogs}
      </>
    );
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create key
          </button>
        ) : null}
      </div>
      <p className="muted">
        Your backend trades a key for short-lived session tokens (POST /v1/tokens). A key is a
        server secret: it never goes in a browser.
        {canWrite ? null : ` As a ${role} in ${org.name} you can see the keys, not change them.`}
      </p>
      <div className="filters single">
        <div className="field">
          <label htmlFor="keys-state">Show</label>
          <select
            id="keys-state"
            value={shown}
            onChange={(e) => setShown(e.target.value as KeyState | 'all')}
          >
            <option value="all">{`All keys (${all.length})`}</option>
            {(['active', 'revoked', 'expired'] as const).map((state) => (
              <option key={state} value={state}>
                {`${state[0]?.toUpperCase()}${state.slice(1)} (${all.filter((k) => k.state === state).length})`}
              </option>
            ))}
          </select>
        </div>
      </div>
      <KeysTable
        keys={shown === 'all' ? all : all.filter((k) => k.state === shown)}
        canWrite={canWrite}
        onRename={setRenaming}
        onRotate={setRotating}
        onRevoke={setRevoking}
      />
      {dialogs}
    </>
  );
}
