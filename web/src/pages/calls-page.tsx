import { Link } from 'react-router';
import { useCalls } from '../api/calls';
import { useFlows } from '../api/flows';
import { CallStatusBadge } from '../calls/call-status-badge';
import { EmptyState } from '../components/empty-state';
import { ErrorPanel } from '../components/error-panel';
import { Icon, icons } from '../components/icon';
import { LoadingPanel } from '../components/loading-panel';
import { dateTime, duration, humanize, timeAgo } from '../lib/text';
import { formatPhoneNumber } from '../phone-numbers/phone-number';

/** `/calls`: the latest calls, refreshing while any is live, each linked to its history in the Temporal UI. */
export function CallsPage() {
  const calls = useCalls();
  const flows = useFlows();
  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Calls</h1>
          <p className="page__lead">The latest 100 calls. Each call’s full history is in the Temporal UI.</p>
        </div>
      </div>
      {calls.isPending ? (
        <LoadingPanel what="calls" />
      ) : calls.isError ? (
        <ErrorPanel what="calls" error={calls.error} onRetry={() => void calls.refetch()} />
      ) : calls.data.length === 0 ? (
        <EmptyState title="No calls yet">
          Calls appear here as they come in. Try one with the virtual caller: <code>npm run caller -- --dial +14155550100 --press 1</code>
        </EmptyState>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Flow</th>
              <th scope="col">Status</th>
              <th scope="col">Length</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {calls.data.map((call) => {
              const flow = flows.data?.find((f) => f.id === call.flowId);
              const end = call.endedAt ? new Date(call.endedAt).getTime() : Date.now();
              return (
                <tr key={call.id} data-call-id={call.id}>
                  <td title={dateTime(call.startedAt)}>
                    <Link to={`/calls/${encodeURIComponent(call.id)}`}>{timeAgo(call.startedAt)}</Link>
                  </td>
                  <td className="table__number">{formatPhoneNumber(call.callerNumber)}</td>
                  <td className="table__number">{formatPhoneNumber(call.calledNumber)}</td>
                  <td>
                    {flow ? <Link to={`/flows/${flow.id}`}>{flow.name}</Link> : <span className="muted">—</span>}
                    {call.flowVersion !== null && <span className="muted"> v{call.flowVersion}</span>}
                  </td>
                  <td>
                    <CallStatusBadge status={call.status} />
                    {call.endReason && call.endReason !== 'completed' && <span className="muted"> {humanize(call.endReason)}</span>}
                  </td>
                  <td>{duration(end - new Date(call.startedAt).getTime())}</td>
                  <td>
                    <a href={call.temporalUrl} target="_blank" rel="noreferrer" className="external-link">
                      Temporal UI <Icon path={icons.external} size={12} />
                      <span className="visually-hidden"> (opens in a new tab)</span>
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
