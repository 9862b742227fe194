import type { CallStatus } from '../api/types';

const labels: Record<CallStatus, string> = { ringing: 'Ringing', active: 'In progress', completed: 'Completed', failed: 'Failed' };

/** A call's status as a coloured pill. */
export function CallStatusBadge({ status }: { status: CallStatus }) {
  return <span className={`pill pill--call-${status}`}>{labels[status] ?? status}</span>;
}
