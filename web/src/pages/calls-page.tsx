import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useActiveCalls, useRecentCalls } from '../api/calls';
import { useFlows } from '../api/flows';
import { useLiveEvents } from '../api/live-events';
import { queryKeys } from '../api/query-keys';
import type { CallStatus, LiveEventMessage } from '../api/types';
import { CallStatusBadge } from '../calls/call-status-badge';
import { endReasonText } from '../calls/call-events';
import { CallsTabs } from '../calls/calls-tabs';
import { Elapsed } from '../calls/elapsed';
import { EmptyState } from '../components/empty-state';
import { Icon, icons } from '../components/icon';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { useToast } from '../components/toast-context';
import { dateTime, duration, humanize, timeAgo } from '../lib/text';
import { formatPhoneNumber } from '../phone-numbers/phone-number';

/** How long an ended call stays in the live table, so operators see how it ended. */
const ENDED_VISIBLE_MS = 30_000;

/** A live call as this page shows it. */
interface LiveRow {
  id: string;
  status: CallStatus;
  callerNumber: string | null;
  calledNumber: string | null;
  flowId: string | null;
  flowName: string | null;
  flowVersion: number | null;
  currentNodeId: string | null;
  currentNodeLabel?: string;
  endReason: string | null;
  startedAt: string;
  endedAt: string | null;
  /** The latest thing said or pressed. */
  latest?: { speaker: 'caller' | 'system'; text: string };
}

const rank: Record<CallStatus, number> = { ringing: 0, active: 1, completed: 2, failed: 2 };

function applyEvent(row: LiveRow | undefined, { event, call }: LiveEventMessage): LiveRow {
  const next: LiveRow = { ...(row ?? {}), ...call, currentNodeLabel: row?.currentNodeLabel, latest: row?.latest };
  // The row is read when the event is delivered; a newer REST row must not be undone by it.
  if (row && rank[row.status] > rank[call.status]) Object.assign(next, { status: row.status, endReason: row.endReason, endedAt: row.endedAt });
  if (event.type === 'nodeEntered') {
    next.currentNodeId = event.nodeId;
    next.currentNodeLabel = typeof event.data.label === 'string' ? event.data.label : undefined;
  }
  if (event.type === 'callerSaid') next.latest = { speaker: 'caller', text: `“${String(event.data.transcript ?? '')}”` };
  if (event.type === 'digit') next.latest = { speaker: 'caller', text: `pressed ${String(event.data.digit)}` };
  if (event.type === 'promptPlayed' && typeof event.data.text === 'string') next.latest = { speaker: 'system', text: `“${event.data.text}”` };
  if (event.type === 'callEnded') {
    next.status = call.status === 'ringing' || call.status === 'active' ? (event.data.reason === 'completed' || event.data.reason === 'callerHungUp' ? 'completed' : 'failed') : call.status;
    next.endReason = String(event.data.reason ?? call.endReason ?? '');
    next.endedAt = call.endedAt ?? event.occurredAt;
  }
  return next;
}

function useNotificationPermission() {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  return { supported, permission, request: () => void Notification.requestPermission().then(setPermission) };
}

/** `/calls`: calls happening now, updating live, and the latest calls. */
export function CallsPage() {
  const active = useActiveCalls();
  const recent = useRecentCalls(10);
  const flows = useFlows();
  const toast = useToast();
  const queryClient = useQueryClient();
  const notifications = useNotificationPermission();
  const [updates, setUpdates] = useState<Map<string, LiveRow>>(new Map());
  const [, tick] = useState(0);

  useLiveEvents((message) => {
    setUpdates((previous) => new Map(previous).set(message.call.id, applyEvent(previous.get(message.call.id), message)));
    if (message.event.type === 'callStarted') {
      const from = formatPhoneNumber(message.call.callerNumber);
      toast.show(`Incoming call from ${from} to ${formatPhoneNumber(message.call.calledNumber)}`, 'info');
      if (notifications.permission === 'granted' && document.hidden) new Notification('Incoming call', { body: `From ${from}` });
    }
    if (message.event.type === 'callStarted' || message.event.type === 'callAnswered' || message.event.type === 'callEnded') {
      void queryClient.invalidateQueries({ queryKey: queryKeys.recentCalls });
    }
  });

  // Ended calls leave the live table after a while.
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(timer);
  }, []);

  const rows = useMemo(() => {
    const byId = new Map<string, LiveRow>();
    for (const call of active.data ?? []) {
      byId.set(call.id, { ...call, currentNodeId: call.lastNodeId });
    }
    for (const [id, update] of updates) {
      const known = byId.get(id);
      if (known && rank[known.status] > rank[update.status]) byId.set(id, { ...update, status: known.status, endReason: known.endReason, endedAt: known.endedAt });
      else byId.set(id, { ...known, ...update });
    }
    const now = Date.now();
    return [...byId.values()]
      .filter((row) => !row.endedAt || now - new Date(row.endedAt).getTime() < ENDED_VISIBLE_MS)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }, [active.data, updates]);

  const flowName = (row: { flowId: string | null; flowName?: string | null }) => row.flowName ?? flows.data?.find((f) => f.id === row.flowId)?.name ?? null;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Calls</h1>
          <p className="page__lead">Calls happening now, as they happen. Each call’s full history is in the Temporal UI.</p>
        </div>
        {notifications.supported && notifications.permission === 'default' && (
          <button type="button" className="button" onClick={notifications.request}>
            Notify me of new calls
          </button>
        )}
      </div>
      <CallsTabs />
      <h2 className="section-title">Active calls</h2>
      <QueryView query={active} what="active calls">
        {() =>
          rows.length === 0 ? (
            <p className="muted active-calls__empty">No calls right now. New calls appear here the moment they come in.</p>
          ) : (
            <table className="table active-calls" aria-label="Active calls">
              <TableHead columns={['Caller', 'Number', 'Flow', 'Status', 'Duration', 'Current step', 'Latest']} />
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-active-call-id={row.id} className={row.endedAt ? 'is-ended' : undefined}>
                    <td className="table__number">
                      <Link to={`/calls/${encodeURIComponent(row.id)}`}>{formatPhoneNumber(row.callerNumber)}</Link>
                    </td>
                    <td className="table__number">{formatPhoneNumber(row.calledNumber)}</td>
                    <td>{flowName(row) ?? <span className="muted">—</span>}</td>
                    <td>
                      <CallStatusBadge status={row.status} />
                      {row.endedAt && <span className="muted end-reason"> {endReasonText(row.endReason)}</span>}
                    </td>
                    <td>
                      <Elapsed since={row.startedAt} until={row.endedAt} />
                    </td>
                    <td>{row.currentNodeLabel ?? row.currentNodeId ?? <span className="muted">—</span>}</td>
                    <td className="active-calls__latest">
                      {row.latest ? (
                        <>
                          <span className={`speaker speaker--${row.latest.speaker}`}>{row.latest.speaker === 'caller' ? 'Caller' : 'System'}</span> {row.latest.text}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>

      <h2 className="section-title">Recent calls</h2>
      <QueryView query={recent} what="calls">
        {(data) =>
          data.length === 0 ? (
            <EmptyState title="No calls yet">
              Calls appear here as they come in. Try one with the virtual caller: <code>npm run caller -- --dial +14155550100 --press 1</code>
            </EmptyState>
          ) : (
            <>
              <table className="table">
                <TableHead columns={['Started', 'From', 'To', 'Flow', 'Status', 'Length', 'History']} />
                <tbody>
                  {data.map((call) => {
                    const name = flowName(call);
                    const end = call.endedAt ? new Date(call.endedAt).getTime() : Date.now();
                    return (
                      <tr key={call.id} data-call-id={call.id}>
                        <td title={dateTime(call.startedAt)}>
                          <Link to={`/calls/${encodeURIComponent(call.id)}`}>{timeAgo(call.startedAt)}</Link>
                        </td>
                        <td className="table__number">{formatPhoneNumber(call.callerNumber)}</td>
                        <td className="table__number">{formatPhoneNumber(call.calledNumber)}</td>
                        <td>
                          {name && call.flowId ? <Link to={`/flows/${call.flowId}`}>{name}</Link> : <span className="muted">—</span>}
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
              <p className="muted">
                <Link to="/calls/history">All calls →</Link>
              </p>
            </>
          )
        }
      </QueryView>
    </div>
  );
}
