import type { AuditFilters } from '../api/api.js';
import { Field } from '../components/field.js';

/** The audit filters; applied on submit so each keystroke is not a query. */
export function AuditFilterForm({
  value,
  onChange,
}: {
  value: AuditFilters;
  onChange: (filters: AuditFilters) => void;
}) {
  return (
    <form
      className="filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const pick = (name: string) => String(form.get(name) ?? '').trim() || undefined;
        onChange({
          action: pick('action'),
          actor: pick('actor'),
          key: pick('key'),
          since: pick('since'),
          until: pick('until'),
        });
      }}
    >
      <Field label="Action" name="action" defaultValue={value.action} placeholder="key.revoked" />
      <Field label="Actor" name="actor" defaultValue={value.actor} placeholder="user:usr_…" />
      <Field label="Key id" name="key" defaultValue={value.key} placeholder="key_…" />
      <Field label="Since" name="since" type="date" defaultValue={value.since} />
      <Field label="Until" name="until" type="date" defaultValue={value.until} />
      <div className="filter-actions">
        <button type="submit">Apply filters</button>
        <button type="button" onClick={() => onChange({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
