import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { keysQuery, usageQuery } from '../api/queries.js';
import type { UsageDay } from '../api/types.js';
import { DayChart } from '../components/day-chart.js';
import { ErrorView } from '../components/error-view.js';
import { Loading } from '../components/status.js';
import { useOrg } from '../layout/org-context.js';
import { utcDay } from '../lib/format.js';

const SERIES: Array<[keyof Omit<UsageDay, 'day'>, string]> = [
  ['tokensMinted', 'Tokens minted'],
  ['sessionsStarted', 'Sessions started'],
  ['sessionMinutes', 'Session minutes'],
  ['jobs', 'Jobs'],
  ['failedAuths', 'Failed authentications'],
];

export function UsagePage() {
  const { ref } = useOrg();
  const [range, setRange] = useState(30);
  const [key, setKey] = useState('');
  const q = useMemo(() => {
    const to = new Date();
    const from = new Date(to.getTime() - (range - 1) * 86_400_000);
    return { from: utcDay(from), to: utcDay(to), ...(key ? { key } : {}) };
  }, [range, key]);
  const usage = useQuery(usageQuery(ref, q));
  const keyList = useQuery(keysQuery(ref));
  const days = useMemo(() => usage.data?.days ?? [], [usage.data]);
  const labels = useMemo(() => days.map((d) => d.day), [days]);
  const columns = useMemo(
    () => SERIES.map(([field]) => days.map((d) => Number(d[field]) || 0)),
    [days],
  );
  return (
    <>
      <h1>Usage</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="usage-range">Period</label>
          <select id="usage-range" value={range} onChange={(e) => setRange(Number(e.target.value))}>
            <option value={7}>Last 7 days</option>
            <option value={30}>Last 30 days</option>
            <option value={90}>Last 90 days</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-key">Key</label>
          <select id="usage-key" value={key} onChange={(e) => setKey(e.target.value)}>
            <option value="">All keys</option>
            {keyList.data?.data.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.display})
              </option>
            ))}
          </select>
        </div>
      </div>
      {usage.isPending ? (
        <Loading what="Loading usage" />
      ) : usage.isError ? (
        <ErrorView error={usage.error} title="Could not load usage" />
      ) : (
        <>
          <div className="charts">
            {SERIES.map(([field, title], i) => (
              <DayChart key={field} title={title} days={labels} values={columns[i] ?? []} />
            ))}
          </div>
          <details>
            <summary>The numbers, per day (UTC)</summary>
            <table className="table-cards">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  {SERIES.map(([field, title]) => (
                    <th scope="col" key={field}>
                      {title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {days.map((d) => (
                  <tr key={d.day}>
                    <th scope="row" data-label="Day">
                      {d.day}
                    </th>
                    {SERIES.map(([field, title]) => (
                      <td key={field} data-label={title}>
                        {d[field]}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </>
  );
}
