import { Link, useParams } from 'react-router';
import { useCall } from '../api/calls';
import { CallStatusBadge } from '../calls/call-status-badge';
import { describeEvent, endReasonText, nodeLabels, transcript } from '../calls/call-events';
import { CallsTabs } from '../calls/calls-tabs';
import { Elapsed } from '../calls/elapsed';
import { RecordingPlayer } from '../calls/waveform';
import { ErrorPanel } from '../components/error-panel';
import { Icon, icons } from '../components/icon';
import { LoadingPanel } from '../components/loading-panel';
import { dateTime, duration, humanize } from '../lib/text';
import { formatPhoneNumber } from '../phone-numbers/phone-number';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** `/calls/:callId`: one call: transcript, timeline, variables, recordings; live while the call goes on. */
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
  const labels = nodeLabels(c.events);
  const lines = transcript(c.events);
  const live = !c.endedAt;
  const variables = Object.entries(c.variables ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const offset = (iso: string) => `+${((new Date(iso).getTime() - start) / 1000).toFixed(1)} s`;
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/calls">Calls</Link> / <Link to="/calls/history">History</Link> / <span>{c.id}</span>
      </nav>
      <div className="page__header">
        <div>
          <h1>
            {formatPhoneNumber(c.callerNumber)} → {formatPhoneNumber(c.calledNumber)}
          </h1>
          <p className="page__lead call-summary">
            <CallStatusBadge status={c.status} />
            {c.endReason && <span data-testid="end-reason"> {endReasonText(c.endReason)}</span>} · started {dateTime(c.startedAt)} ·{' '}
            {live ? (
              <>
                on the line for <Elapsed since={c.startedAt} />
              </>
            ) : (
              <>lasted {duration(new Date(c.endedAt ?? c.startedAt).getTime() - start)}</>
            )}
            {c.currentNodeId && (
              <>
                {' '}
                · {live ? 'now at' : 'last step'} <strong>{labels.get(c.currentNodeId) ?? c.currentNodeId}</strong>
              </>
            )}
          </p>
        </div>
        <a className="button" href={c.temporalUrl} target="_blank" rel="noreferrer">
          Open in Temporal UI <Icon path={icons.external} size={12} />
        </a>
      </div>
      <CallsTabs />

      <div className="call-detail">
        <section aria-labelledby="transcript-title" className="call-detail__main">
          <h2 className="section-title" id="transcript-title">
            Transcript {live && <span className="pill pill--call-active">live</span>}
          </h2>
          {lines.length === 0 ? (
            <p className="muted">Nothing said yet.</p>
          ) : (
            <ol className="transcript" aria-label="Transcript">
              {lines.map((line) => (
                <li key={line.seq} className={`transcript__line transcript__line--${line.speaker}`} data-speaker={line.speaker}>
                  <span className={`speaker speaker--${line.speaker}`}>{line.speaker === 'caller' ? 'Caller' : 'System'}</span>
                  <span className={line.note ? 'transcript__text transcript__text--note' : 'transcript__text'}>{line.text}</span>
                  <span className="transcript__time">{offset(line.at)}</span>
                </li>
              ))}
            </ol>
          )}

          <h2 className="section-title">What happened</h2>
          {c.events.length === 0 ? (
            <p className="muted">No events recorded yet.</p>
          ) : (
            <ol className="timeline" aria-label="Timeline">
              {c.events.map((event) => {
                const described = describeEvent(event, labels);
                return (
                  <li key={event.seq} className={`timeline__item${described.tone ? ` timeline__item--${described.tone}` : ''}`} data-event-type={event.type}>
                    <span className="timeline__time" title={clock.format(new Date(event.occurredAt))}>
                      {offset(event.occurredAt)}
                    </span>
                    <span className="timeline__type">{described.title}</span>
                    {described.detail && <span className="timeline__detail">{described.detail}</span>}
                  </li>
                );
              })}
            </ol>
          )}
        </section>

        <aside className="call-detail__side">
          <div className="card">
            <h2>Call</h2>
            <dl className="facts">
              <dt>Call id</dt>
              <dd>
                <code>{c.id}</code>
              </dd>
              <dt>Flow</dt>
              <dd>{c.flowId ? <Link to={`/flows/${c.flowId}`}>version {c.flowVersion}</Link> : '—'}</dd>
              <dt>Answered</dt>
              <dd>{c.answeredAt ? clock.format(new Date(c.answeredAt)) : '—'}</dd>
              <dt>Ended</dt>
              <dd>{c.endedAt ? clock.format(new Date(c.endedAt)) : '—'}</dd>
              <dt>Workflow</dt>
              <dd>
                <a href={c.temporalUrl} target="_blank" rel="noreferrer" className="external-link">
                  {c.workflowId} <Icon path={icons.external} size={12} />
                </a>
              </dd>
            </dl>
          </div>
          <div className="card">
            <h2>Variables</h2>
            {variables.length === 0 ? (
              <p className="muted">{c.variables ? 'No variables.' : 'Not available for this call.'}</p>
            ) : (
              <table className="variables" aria-label="Variables">
                <tbody>
                  {variables.map(([name, value]) => (
                    <tr key={name}>
                      <th scope="row">
                        {/* Long names break after a dot, not mid-word. */}
                        <code>
                          {name.split('.').map((part, index) => (
                            <span key={index}>
                              {index > 0 && (
                                <>
                                  .<wbr />
                                </>
                              )}
                              {part}
                            </span>
                          ))}
                        </code>
                      </th>
                      <td>{value === '' ? <span className="muted">empty</span> : value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <div className="card">
            <h2>Recordings</h2>
            {c.recordings.length === 0 ? (
              <p className="muted">No recordings in this call. Record voicemail steps save one; a phone number set to record calls records both sides.</p>
            ) : null}
            {c.recordings.some((recording) => recording.kind === 'call') && (
              <div className="recording__item">
                <p>
                  Call recording · caller left, system right
                  {c.recordings.filter((recording) => recording.kind === 'call').length > 1 && (
                    <span className="muted"> · {c.recordings.filter((recording) => recording.kind === 'call').length} parts (the call moved between media workers)</span>
                  )}
                </p>
                <RecordingPlayer src={`/api/calls/${encodeURIComponent(c.id)}/recording`} label="Call recording" />
                <p>
                  <a href={`/api/calls/${encodeURIComponent(c.id)}/recording`} download>
                    Download
                  </a>
                </p>
              </div>
            )}
            {c.recordings
              .filter((recording) => recording.kind !== 'call')
              .map((recording) => (
                <div key={recording.id} className="recording__item">
                  <p>
                    {humanize(recording.kind)} · {duration(recording.durationMs)}
                    {recording.nodeId && <span className="muted"> · {labels.get(recording.nodeId) ?? recording.nodeId}</span>}
                  </p>
                  <RecordingPlayer src={`/api/recordings/${encodeURIComponent(recording.id)}/audio`} label={`${humanize(recording.kind)} recording`} />
                </div>
              ))}
          </div>
        </aside>
      </div>
    </div>
  );
}
