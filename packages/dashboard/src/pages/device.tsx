import { useMutation, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useId } from 'react';
import { api } from '../api/api.js';
import { meQuery } from '../api/queries.js';
import { ErrorView } from '../components/error-view.js';
import { Field } from '../components/field.js';
import { Loading } from '../components/status.js';
import { when } from '../lib/format.js';
import { atLeast, roleIn } from '../lib/roles.js';
import { useTitle } from '../lib/use-title.js';

/**
 * Where `latchkey auth login` sends you: the code it printed, and "Authorize the CLI on
 * HOST for ORG?". Approving gives that CLI a new partner key of the org you choose.
 */
export function DevicePage() {
  useTitle('Authorize the CLI');
  const { code } = useSearch({ from: '/app/device' });
  const navigate = useNavigate();
  return (
    <main className="page narrow" id="main">
      {code ? (
        <DeviceRequestView code={code} />
      ) : (
        <>
          <h1>Authorize the CLI</h1>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const entered = String(new FormData(e.currentTarget).get('code')).trim();
              void navigate({ to: '/device', search: { code: entered.toUpperCase() } });
            }}
          >
            <Field
              label="Code from the terminal"
              name="code"
              autoComplete="off"
              required
              hint="latchkey auth login prints it, as XXXX-XXXX."
            />
            <button type="submit" className="primary">
              Continue
            </button>
          </form>
        </>
      )}
    </main>
  );
}

function DeviceRequestView({ code }: { code: string }) {
  const { data: me } = useSuspenseQuery(meQuery);
  const request = useQuery({ queryKey: ['device', code], queryFn: () => api.device(code) });
  const selectId = useId();
  const eligible = me.orgs.filter((o) => o.partner && atLeast(roleIn(o, me.user), 'developer'));
  const approve = useMutation({
    mutationFn: (org: string) => api.approveDevice(code, org),
  });
  const deny = useMutation({ mutationFn: () => api.denyDevice(code) });
  if (request.isPending) return <Loading what="Reading the request" />;
  if (request.isError)
    return (
      <>
        <h1>Authorize the CLI</h1>
        <ErrorView error={request.error} title={`No request with the code ${code}`} />
        <p>
          Codes last 10 minutes. Run <code>latchkey auth login</code> again for a new one.
        </p>
      </>
    );
  const host = request.data.clientName ?? 'an unnamed machine';
  if (approve.data) {
    const org = me.orgs.find((o) => o.id === approve.data.key.orgId);
    return (
      <>
        <h1>The CLI is signed in</h1>
        <p role="status">
          The CLI on <strong>{host}</strong> now holds a new partner key of {org?.name}:{' '}
          <code>{approve.data.key.name}</code> (<code>{approve.data.key.display}</code>). Go back to
          the terminal.
        </p>
        {org ? (
          <p>
            It is listed, and revocable, on{' '}
            <Link to="/orgs/$org/keys" params={{ org: org.slug }}>
              {org.name}'s API keys
            </Link>
            .
          </p>
        ) : null}
      </>
    );
  }
  if (deny.data)
    return (
      <>
        <h1>Denied</h1>
        <p role="status">The CLI on {host} gets nothing. You can close this page.</p>
      </>
    );
  if (request.data.state !== 'pending')
    return (
      <>
        <h1>Authorize the CLI</h1>
        <p>This request was already {request.data.state}.</p>
      </>
    );
  return (
    <>
      <h1>Authorize the CLI on {host}?</h1>
      <p>
        Code <code>{request.data.userCode}</code>, asked from{' '}
        {request.data.clientIp ?? 'an unknown address'} {when(request.data.createdAt)}; it expires{' '}
        {when(request.data.expiresAt)}. Approve only if you started <code>latchkey auth login</code>{' '}
        there yourself: the CLI gets a new partner key that can push images and weights for the org
        you choose.
      </p>
      {eligible.length === 0 ? (
        <p className="warning">
          You are a developer or more in no partner org, so there is nothing to authorize it for. An
          instance admin marks partner orgs.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            approve.mutate(String(new FormData(e.currentTarget).get('org')));
          }}
        >
          <div className="field">
            <label htmlFor={selectId}>For the organization</label>
            <select id={selectId} name="org" defaultValue={eligible[0]?.slug}>
              {eligible.map((o) => (
                <option key={o.id} value={o.slug}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <ErrorView error={approve.error ?? deny.error} title="That did not work" />
          <div className="actions start">
            <button type="submit" className="primary" disabled={approve.isPending}>
              Authorize
            </button>
            <button type="button" onClick={() => deny.mutate()} disabled={deny.isPending}>
              Deny
            </button>
          </div>
        </form>
      )}
    </>
  );
}
