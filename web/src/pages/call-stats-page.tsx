import { useState } from 'react';
import { useCallStats } from '../api/calls';
import { useFlows } from '../api/flows';
import type { CallStats } from '../api/types';
import { CallsTabs } from '../calls/calls-tabs';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { duration, humanize } from '../lib/text';

const RANGES = [
  { days: 1, label: 'Today' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 365, label: 'Last year' },
] as const;

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);

/** `/calls/stats`: how calls go: volume per day, length, completion, where callers hang up, keys versus speech. */
export function CallStatsPage() {
  const [days, setDays] = useState<number>(7);
  const [flowId, setFlowId] = useState('');
  const [tests, setTests] = useState('');
  const flows = useFlows();
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  from.setDate(from.getDate() - (days - 1));
  const params = new URLSearchParams({ from: from.toISOString(), ...(flowId ? { flowId } : {}), ...(tests ? { tests } : {}) }).toString();
  const stats = useCallStats(params);

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Call statistics</h1>
          <p className="page__lead">How calls went, from the recorded call events.</p>
        </div>
        <div className="stats__controls">
          <select aria-label="Period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {RANGES.map((range) => (
              <option key={range.days} value={range.days}>
                {range.label}
              </option>
            ))}
          </select>
          <select aria-label="Flow" value={flowId} onChange={(e) => setFlowId(e.target.value)}>
            <option value="">All flows</option>
            {flows.data?.map((flow) => (
              <option key={flow.id} value={flow.id}>
                {flow.name}
              </option>
            ))}
          </select>
          <select aria-label="Test calls" value={tests} onChange={(e) => setTests(e.target.value)}>
            <option value="">Without test calls</option>
            <option value="include">With test calls</option>
            <option value="only">Test calls only</option>
          </select>
        </div>
      </div>
      <CallsTabs />
      <QueryView query={stats} what="statistics">
        {(data) => <StatsBody stats={data} days={days} from={from} />}
      </QueryView>
    </div>
  );
}

function StatsBody({ stats, days, from }: { stats: CallStats; days: number; from: Date }) {
  // Every day of the period, including the ones without calls.
  const perDay = Array.from({ length: Math.min(days, 60) }, (_, i) => {
    const day = new Date(from);
    day.setDate(day.getDate() + Math.max(0, days - 60) + i);
    const key = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    return { key, label: day.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }), row: stats.perDay.find((d) => d.day === key) };
  });
  const busiest = Math.max(1, ...perDay.map((d) => d.row?.calls ?? 0));
  const inputs = stats.inputs.digits + stats.inputs.speech;
  const mostDrops = Math.max(1, ...stats.dropOff.map((d) => d.hangUps));
  return (
    <>
      <div className="stat-cards">
        <div className="card stat-card">
          <span className="stat-card__label">Calls</span>
          <span className="stat-card__value" data-testid="stat-calls">
            {stats.calls}
          </span>
          <span className="muted">{stats.live} live now</span>
        </div>
        <div className="card stat-card">
          <span className="stat-card__label">Average duration</span>
          <span className="stat-card__value">{duration(stats.averageDurationMs)}</span>
          <span className="muted">of {stats.ended} ended calls</span>
        </div>
        <div className="card stat-card">
          <span className="stat-card__label">Completion rate</span>
          <span className="stat-card__value" data-testid="stat-completion">
            {percent(stats.completionRate)}
          </span>
          <span className="muted">finished by the flow</span>
        </div>
        <div className="card stat-card">
          <span className="stat-card__label">Caller hung up</span>
          <span className="stat-card__value">{stats.callerHungUp}</span>
          <span className="muted">{percent(stats.ended ? stats.callerHungUp / stats.ended : null)} of ended calls</span>
        </div>
      </div>

      <div className="stats-grid">
        <section className="card">
          <h2>Calls per day</h2>
          <div className="bars" role="img" aria-label="Calls per day">
            {perDay.map((d) => (
              <div key={d.key} className="bars__column" title={`${d.label}: ${d.row?.calls ?? 0} calls, ${d.row?.completed ?? 0} completed`}>
                <span className="bars__count">{d.row?.calls || ''}</span>
                <div className="bars__bar" style={{ height: `${((d.row?.calls ?? 0) / busiest) * 100}%` }}>
                  <div className="bars__done" style={{ height: `${d.row?.calls ? (d.row.completed / d.row.calls) * 100 : 0}%` }} />
                </div>
                <span className="bars__label">{perDay.length <= 14 || perDay.indexOf(d) % 5 === 0 ? d.label : ''}</span>
              </div>
            ))}
          </div>
          <p className="legend">
            <span className="legend__swatch legend__swatch--done" /> completed <span className="legend__swatch" /> other
          </p>
        </section>

        <section className="card">
          <h2>Keys versus speech</h2>
          {inputs === 0 ? (
            <p className="muted">No caller input yet.</p>
          ) : (
            <>
              <div className="split" role="img" aria-label={`${stats.inputs.digits} key presses, ${stats.inputs.speech} spoken answers`}>
                <div className="split__part split__part--keys" style={{ width: `${(stats.inputs.digits / inputs) * 100}%` }} />
                <div className="split__part split__part--speech" style={{ width: `${(stats.inputs.speech / inputs) * 100}%` }} />
              </div>
              <p className="legend">
                <span className="legend__swatch legend__swatch--done" /> keys <span className="legend__swatch legend__swatch--speech" /> speech
              </p>
              <dl className="facts">
                <dt>Key presses</dt>
                <dd data-testid="stat-digits">
                  {stats.inputs.digits} <span className="muted">in {stats.inputs.callsWithDigits} calls</span>
                </dd>
                <dt>Spoken answers</dt>
                <dd data-testid="stat-speech">
                  {stats.inputs.speech} <span className="muted">in {stats.inputs.callsWithSpeech} calls</span>
                </dd>
              </dl>
            </>
          )}
        </section>
      </div>

      <section className="card">
        <h2>Where callers hang up</h2>
        <p className="muted">Calls the caller ended, by the last step they reached.</p>
        {stats.dropOff.length === 0 ? (
          <p className="muted">No caller hang-ups in this period.</p>
        ) : (
          <table className="table drop-off" aria-label="Drop-off by step">
            <TableHead columns={['Flow', 'Step', 'Hang-ups']} />
            <tbody>
              {stats.dropOff.map((d) => (
                <tr key={`${d.flowId}:${d.nodeId}`}>
                  <td>{d.flowName ?? '—'}</td>
                  <td>
                    {d.nodeLabel ?? d.nodeId ?? 'before the first step'}
                    {d.nodeType && <span className="muted"> · {humanize(d.nodeType)}</span>}
                  </td>
                  <td>
                    <span className="drop-off__count">
                      <span className="drop-off__track">
                        <span className="drop-off__bar" style={{ width: `${(d.hangUps / mostDrops) * 100}%` }} />
                      </span>
                      {d.hangUps}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
