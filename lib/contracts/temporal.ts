/**
 * Names shared by the workflows, the workers, the API and lib: task queues, workflow ids, search
 * attribute keys, signals and queries. Workflow type, signal, query and search attribute names are
 * stored in histories: they are forever. Imported by workflow code too, so: no I/O, no Node built-ins.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue of the flow worker (workflows and bookkeeping activities). */
export const FLOW_TASK_QUEUE = 'flows';
/** Shared task queue every media worker polls to take new calls (`attachMedia`). */
export const MEDIA_ATTACH_TASK_QUEUE = 'media';
/**
 * Task queue of `watchMediaWorker` (one per call, held for the call's length), served by each flow
 * worker process apart from its `flows` queue so watches never take the slots of the call's other
 * activities.
 */
export const MEDIA_WATCH_TASK_QUEUE = 'media-watch';
/** Task queue of the privacy activities (retention), served by the API process. */
export const PRIVACY_TASK_QUEUE = 'privacy';
/** Id of the schedule that runs `enforceRetention`. */
export const RETENTION_SCHEDULE_ID = 'switchboard-retention';

export const callWorkflowId = (callId: string): string => `call-${callId}`;
/**
 * Workflow task timeout of a call (Temporal's default is 10 s). When a flow worker dies or hangs
 * holding a call's workflow task (say, just after the caller's key press; a hung worker's open poll
 * on its sticky queue takes the next task too), the task is retried on another flow worker after
 * this long. A call's tasks take milliseconds, a replay on a cold worker well under a second; a task
 * that does take longer is retried, which costs time, not the call. See also the flow worker's
 * STICKY_QUEUE_TIMEOUT_MS.
 */
export const CALL_WORKFLOW_TASK_TIMEOUT_MS = 1000;

export const CallIdKey = defineSearchAttributeKey('CallId', SearchAttributeType.KEYWORD);
/** A keyed hash of the caller's number (lib/privacy/caller-hash.ts), never the number. */
export const CallerNumberKey = defineSearchAttributeKey('CallerNumber', SearchAttributeType.KEYWORD);
export const CalledNumberKey = defineSearchAttributeKey('CalledNumber', SearchAttributeType.KEYWORD);
export const FlowIdKey = defineSearchAttributeKey('FlowId', SearchAttributeType.KEYWORD);
export const FlowVersionKey = defineSearchAttributeKey('FlowVersion', SearchAttributeType.INT);
export const CallStatusKey = defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD);

/** How a call ended. */
export type EndReason =
  | 'completed' // the flow hung up
  | 'transferred' // handed to another number
  | 'callerHungUp'
  | 'callerNeverJoined'
  | 'maxSteps'
  | 'maxDuration'
  | 'mediaUnavailable' // a media worker was lost and no other took the call over
  | 'noCapacity' // refused: every media worker was full for the call's admission wait
  | 'flowError'
  | 'cancelled'; // an operator cancelled the workflow

/** The caller left the room (sent by the media worker that owns the session). */
export const callerHungUpSignal = defineSignal('callerHungUp');

export interface CallState {
  nodeId: string | undefined;
  status: 'attaching' | 'running' | 'ended';
  steps: number;
  mediaWorkerId: string | undefined;
  /** Media workers the call was taken from (declared lost); what they report is no longer the call's. */
  lostMediaWorkers?: string[];
  endReason: EndReason | undefined;
  variables: Record<string, string>;
}
export const getStateQuery = defineQuery<CallState>('getState');
