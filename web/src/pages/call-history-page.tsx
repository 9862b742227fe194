import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCallHistory } from '../api/calls';
import { useFlows } from '../api/flows';
import { CallStatusBadge } from '../calls/call-status-badge';
import { endReasonText } from '../calls/call-events';
import { CallsTabs } from '../calls/calls-tabs';
import { EmptyState } from '../components/empty-state';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { dateTime, duration } from '../lib/text';
import { formatPhoneNumber } from '../phone-numbers/phone-number';
import { EraseCallerDialog } from '../calls/erase-caller-dialog';
import { RetentionDialog } from '../calls/retention-dialog';
import { useRole } from '../api/auth';

const PAGE_SIZE = 25;
/** The URL's filter names; the same names the API takes (dates are days here, instants there). */
const FILTERS = ['q', 'number', 'status', 'flowId', 'fromDay', 'toDay', 'minSec', 'maxSec', 'tests'] as const;
type Filter = (typeof FILTERS)[number];

/** The API query for the page's URL: days become local midnights, seconds become ms. */
function apiParams(search: URLSearchParams, offset: number, forExport = false): string {
  const params = new URLSearchParams();
  const get = (name: Filter) => search.get(name)?.trim() ?? '';
  if (get('q')) params.set('q', get('q'));
  if (get('number')) params.set('number', get('number'));
  if (get('status')) params.set('status', get('status'));
  if (get('flowId')) params.set('flowId', get('flowId'));
  if (get('fromDay')) params.set('from', new Date(`${get('fromDay')}T00:00:00`).toISOString());
  if (get('toDay')) params.set('to', new Date(`${get('toDay')}T23:59:59.999`).toISOString());
  if (get('minSec')) params.set('minDurationMs', String(Math.round(Number(get('minSec')) * 1000)));
  if (get('maxSec')) params.set('maxDurationMs', String(Math.round(Number(get('maxSec')) * 1000)));
  // Test calls and test runs from the builder are left out unless asked for.
  if (get('tests')) params.set('tests', get('tests'));
  if (!forExport) {
    params.set('limit', String(PAGE_SIZE));
    params.set('offset', String(offset));
  }
  return params.toString();
}

/** `/calls/history`: every call, filtered and searched on the server, a page at a time, exportable. */
export function CallHistoryPage() {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(0, Number(search.get('page') ?? '0') || 0);
  const history = useCallHistory(apiParams(search, page * PAGE_SIZE));
  const flows = useFlows();
  const [erasing, setErasing] = useState(false);
  const [retention, setRetention] = useState(false);
  const owner = useRole() === 'owner';
  const [draft, setDraft] = useState<Record<Filter, string>>(() => Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Record<Filter, string>);

  const apply = (next: Record<Filter, string>) => {
    const params = new URLSearchParams();
    for (const name of FILTERS) if (next[name].trim()) params.set(name, next[name].trim());
    setSearch(params);
  };
  const set = (name: Filter, value: string, now = false) => {
    const next = { ...draft, [name]: value };
    setDraft(next);
    if (now) apply(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const goTo = (target: number) => {
    const params = new URLSearchParams(search);
    if (target > 0) params.set('page', String(target));
    else params.delete('page');
    setSearch(params);
  };
  const exportQuery = apiParams(search, 0, true);
  const filtered = FILTERS.some((name) => search.get(name));

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Call history</h1>
          <p className="page__lead">Every call, newest first. Filters and search run on the server; exports include every matching call.</p>
        </div>
        <div className="history__exports">
          <a className="button" href={`/api/call-history/export.csv?${exportQuery}`} download>
            Export CSV
          </a>
          <a className="button" href={`/api/call-history/export.json?${exportQuery}`} download>
            Export JSON
          </a>
          {/* Retention and erasure are the workspace owner's decisions (the API refuses others). */}
          {owner && (
            <>
              <button type="button" className="button" onClick={() => setRetention(true)}>
                Data retention…
              </button>
              <button type="button" className="button button--danger" onClick={() => setErasing(true)}>
                Erase caller…
              </button>
            </>
          )}
        </div>
        <RetentionDialog open={retention} onClose={() => setRetention(false)} />
        <EraseCallerDialog open={erasing} onClose={() => setErasing(false)} initialNumber={search.get('number') ?? ''} />
      </div>
      <CallsTabs />
      <form className="filters" onSubmit={submit} aria-label="Filter calls">
        <label className="filters__field filters__field--wide">
          <span>Search</span>
          <input type="search" value={draft.q} onChange={(e) => set('q', e.target.value)} placeholder="Number or call id" />
        </label>
        <label className="filters__field">
          <span>Number</span>
          <input value={draft.number} onChange={(e) => set('number', e.target.value)} placeholder="+1 415…" inputMode="tel" />
        </label>
        <label className="filters__field">
          <span>Status</span>
          <select value={draft.status} onChange={(e) => set('status', e.target.value, true)}>
            <option value="">Any</option>
            <option value="live">Live (ringing or in progress)</option>
            <option value="completed">Completed</option>
            <option value="failed">Failed</option>
          </select>
        </label>
        <label className="filters__field">
          <span>Flow</span>
          <select value={draft.flowId} onChange={(e) => set('flowId', e.target.value, true)}>
            <option value="">Any</option>
            {flows.data?.map((flow) => (
              <option key={flow.id} value={flow.id}>
                {flow.name}
              </option>
            ))}
          </select>
        </label>
        <label className="filters__field">
          <span>Test calls</span>
          <select value={draft.tests} onChange={(e) => set('tests', e.target.value, true)}>
            <option value="">Hidden</option>
            <option value="include">Shown</option>
            <option value="only">Only test calls</option>
          </select>
        </label>
        <label className="filters__field">
          <span>From</span>
          <input type="date" value={draft.fromDay} onChange={(e) => set('fromDay', e.target.value)} />
        </label>
        <label className="filters__field">
          <span>To</span>
          <input type="date" value={draft.toDay} onChange={(e) => set('toDay', e.target.value)} />
        </label>
        <label className="filters__field filters__field--narrow">
          <span>Min s</span>
          <input type="number" min={0} value={draft.minSec} onChange={(e) => set('minSec', e.target.value)} aria-label="Shortest duration in seconds" />
        </label>
        <label className="filters__field filters__field--narrow">
          <span>Max s</span>
          <input type="number" min={0} value={draft.maxSec} onChange={(e) => set('maxSec', e.target.value)} aria-label="Longest duration in seconds" />
        </label>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          {filtered && (
            <button
              type="button"
              className="button"
              onClick={() => {
                const empty = Object.fromEntries(FILTERS.map((name) => [name, ''])) as Record<Filter, string>;
                setDraft(empty);
                apply(empty);
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>

      <QueryView query={history} what="calls">
        {(result) =>
          result.total === 0 ? (
            <EmptyState title={filtered ? 'No calls match' : 'No calls yet'}>{filtered ? 'Try wider filters.' : 'Calls appear here as they come in.'}</EmptyState>
          ) : (
            <>
              <table className={`table${history.isPlaceholderData ? ' is-loading' : ''}`} aria-label="Call history">
                <TableHead columns={['Started', 'From', 'To', 'Flow', 'Status', 'Duration', 'Last step']} />
                <tbody>
                  {result.calls.map((call) => (
                    <tr key={call.id} data-history-call-id={call.id}>
                      <td>
                        <Link to={`/calls/${encodeURIComponent(call.id)}`}>{dateTime(call.startedAt)}</Link>
                      </td>
                      <td className="table__number">{formatPhoneNumber(call.callerNumber)}</td>
                      <td className="table__number">{formatPhoneNumber(call.calledNumber)}</td>
                      <td>
                        {call.flowName ?? <span className="muted">—</span>}
                        {call.flowVersion !== null && <span className="muted"> v{call.flowVersion}</span>}
                      </td>
                      <td>
                        <CallStatusBadge status={call.status} />
                        {call.test && <span className="pill"> Test</span>}
                        {call.endReason && call.endReason !== 'completed' && <span className="muted"> {endReasonText(call.endReason)}</span>}
                      </td>
                      <td>{duration(call.durationMs)}</td>
                      <td>{call.lastNodeId ?? <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <nav className="pager" aria-label="Pages">
                <span data-testid="history-range">
                  {result.offset + 1}–{result.offset + result.calls.length} of {result.total}
                </span>
                <button type="button" className="button button--small" disabled={page === 0} onClick={() => goTo(page - 1)}>
                  Previous
                </button>
                <button type="button" className="button button--small" disabled={result.offset + PAGE_SIZE >= result.total} onClick={() => goTo(page + 1)}>
                  Next
                </button>
              </nav>
            </>
          )
        }
      </QueryView>
    </div>
  );
}
