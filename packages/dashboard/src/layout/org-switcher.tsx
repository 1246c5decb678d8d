import { Link, useNavigate } from '@tanstack/react-router';
import { useId } from 'react';
import type { Org } from '../api/types.js';

export function OrgSwitcher({ orgs, current }: { orgs: Org[]; current: string | undefined }) {
  const navigate = useNavigate();
  const id = useId();
  const selected = orgs.find((o) => o.slug === current || o.id === current);
  return (
    <div className="org-switcher">
      {orgs.length > 0 ? (
        <>
          <label htmlFor={id} className="visually-hidden">
            Organization
          </label>
          <select
            id={id}
            value={selected?.slug ?? ''}
            onChange={(e) => {
              if (e.target.value)
                void navigate({ to: '/orgs/$org/keys', params: { org: e.target.value } });
            }}
          >
            {selected ? null : <option value="">Choose an organization</option>}
            {orgs.map((o) => (
              <option key={o.id} value={o.slug}>
                {o.name}
                {o.partner ? ' (partner)' : ''}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <Link to="/orgs/new" className="button-link small">
        New organization
      </Link>
    </div>
  );
}
