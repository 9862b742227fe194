/**
 * Names shared by the workflow, the workers and the API. Workflow type, signal, query and search
 * attribute names are stored in histories: they are forever.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue of the flow worker (workflows and bookkeeping activities). */
export const FLOW_TASK_QUEUE = 'flows';
/** Shared task queue every media worker polls to take new calls (`attachMedia`). */
export const MEDIA_ATTACH_TASK_QUEUE = 'media';
/** Task queue of the privacy activities (retention), served by the API process. */
export const PRIVACY_TASK_QUEUE = 'privacy';
/** Id of the schedule that runs `enforceRetention`. */
export const RETENTION_SCHEDULE_ID = 'switchboard-retention';

export const callWorkflowId = (callId: string): string => `call-${callId}`;

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
  | 'mediaUnavailable'
  | 'flowError'
  | 'cancelled'; // an operator cancelled the workflow

/** The caller left the room (sent by the media worker that owns the session). */
export const callerHungUpSignal = defineSignal('callerHungUp');

export interface CallState {
  nodeId: string | undefined;
  status: 'attaching' | 'running' | 'ended';
  steps: number;
  mediaWorkerId: string | undefined;
  endReason: EndReason | undefined;
  variables: Record<string, string>;
}
export const getStateQuery = defineQuery<CallState>('getState');
