import { Link, useParams } from 'react-router';
import { useCall } from '../api/calls';
import { CallStatusBadge } from '../calls/call-status-badge';
import { ErrorPanel } from '../components/error-panel';
import { Icon, icons } from '../components/icon';
import { LoadingPanel } from '../components/loading-panel';
import { dateTime, duration, humanize } from '../lib/text';
import { formatPhoneNumber } from '../phone-numbers/phone-number';

/** `/calls/:callId`: one call and what happened in it, in order. */
export function CallPage() {
  const { callId = '' } = useParams();
  const call = useCall(callId);
  if (call.isPending) return <LoadingPanel what="the call" />;
  if (call.isError) {
    return (
      <div className="page">
        <ErrorPanel what="this call" error={call.error} onRetry={() => void call.refetch()} />
      </div>
    );
  }
  const c = call.data;
  const start = new Date(c.startedAt).getTime();
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/calls">Calls</Link> / <span>{c.id}</span>
      </nav>
      <div className="page__header">
        <div>
          <h1>
            {formatPhoneNumber(c.callerNumber)} → {formatPhoneNumber(c.calledNumber)}
          </h1>
          <p className="page__lead">
            <CallStatusBadge status={c.status} /> {c.endReason && c.endReason !== c.status ? humanize(c.endReason) : ''} · started {dateTime(c.startedAt)} · lasted{' '}
            {duration((c.endedAt ? new Date(c.endedAt).getTime() : Date.now()) - start)}
          </p>
        </div>
        <a className="button" href={c.temporalUrl} target="_blank" rel="noreferrer">
          Open in Temporal UI <Icon path={icons.external} size={12} />
        </a>
      </div>
      <h2 className="section-title">What happened</h2>
      {c.events.length === 0 ? (
        <p className="muted">No events recorded yet.</p>
      ) : (
        <ol className="timeline">
          {c.events.map((event) => (
            <li key={event.seq} className="timeline__item">
              <span className="timeline__time">+{((new Date(event.occurredAt).getTime() - start) / 1000).toFixed(1)} s</span>
              <span className="timeline__type">{humanize(event.type)}</span>
              {event.nodeId && <code className="timeline__node">{event.nodeId}</code>}
              {Object.keys(event.data).length > 0 && <span className="timeline__data">{JSON.stringify(event.data)}</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
