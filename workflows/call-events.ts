/**
 * The call's event log: events numbered in order (`seq`) and written in batches by
 * `recordCallEvents`, on a chain of activities that runs beside the media activities, so
 * bookkeeping never delays what the caller hears. `seq` makes a retried write a no-op.
 * Workflow code: deterministic, no I/O.
 */
import { CancellationScope, patched, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { CallActivities } from '../activities/calls/activities';
import type { CallEventRecord, CallEventType } from '../activities/calls/types';

/** The call's events: emitted into a batch, written when flushed. */
export interface CallEventLog {
  /** Adds an event to the next batch. */
  emit(type: CallEventType, nodeId?: string, data?: Record<string, unknown>): void;
  /** Starts writing the batch (after the batches before it) and returns at once. */
  flush(): void;
  /** Settles when every batch flushed so far is written; rejects when a write failed. */
  written(): Promise<void>;
}

/** Summaries longer than this are cut (the Temporal UI shows them on one line). */
const MAX_SUMMARY_LENGTH = 140;

export function callEventLog(
  calls: ActivityInterfaceFor<Pick<CallActivities, 'recordCallEvents'>>,
  call: { callId: string; workspaceId: string },
): CallEventLog {
  let seq = 0;
  let pending: CallEventRecord[] = [];
  let writing: Promise<void> = Promise.resolve();

  const emit = (type: CallEventType, nodeId?: string, data?: Record<string, unknown>): void => {
    pending.push({ seq: ++seq, type, at: Date.now(), ...(nodeId ? { nodeId } : {}), ...(data ? { data } : {}) });
  };

  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const summary = `Record ${batch.map((event) => (event.nodeId ? `${event.type} ${event.nodeId}` : event.type)).join(', ')}`;
    const write = () =>
      calls.recordCallEvents.executeWithOptions(
        { summary: summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : summary },
        [{ callId: call.callId, workspaceId: call.workspaceId, events: batch }],
      );
    // A write must outlive the call's scope: cancelled with it (the duration guard, a hang-up), the
    // write's rejection went unobserved until the end of the call, failed every workflow task and
    // left the call running forever. Old histories keep the old scope.
    writing = writing.then(() => (patched('event-writes-outlive-cancel') ? CancellationScope.nonCancellable(write) : write()));
    // Observed here so that a failed write fails the call where it is awaited (the end), not the task.
    writing.catch(() => undefined);
  };

  return { emit, flush, written: () => writing };
}
