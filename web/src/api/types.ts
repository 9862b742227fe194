/**
 * Shapes of the API's answers, as the app reads them. Dates arrive as ISO strings. Those the API
 * declares as schemas (lib/contracts/api-responses.ts) are its types, re-exported here.
 */
import type { FlowEdge, FlowLayout, FlowProblem, RunnableFlow } from '@switchboard/flow-model';
import type { CallEvent, CallStatus } from '../../../lib/contracts/api-responses';

export type { CallEvent, CallHistoryPage, CallHistoryRow, CallStats, CallStatus, Health, LiveCallSummary, LiveEventMessage } from '../../../lib/contracts/api-responses';

/** A node as a draft stores it: possibly unfinished, validated only when published. */
export interface DraftNode {
  id: string;
  type: string;
  typeVersion?: number;
  label?: string;
  config: Record<string, unknown>;
}

/** A draft graph: the runnable graph's outline, allowed to be incomplete. */
export interface DraftGraph {
  start: string;
  nodes: DraftNode[];
  edges: FlowEdge[];
}

/** A row of `GET /api/flows`. */
export interface FlowSummary {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Highest published version; null when never published. */
  latestVersion: number | null;
}

/** `GET /api/flows/:id`: the flow with its draft and the draft's problems. */
export interface Flow {
  id: string;
  name: string;
  draftGraph: DraftGraph;
  draftLayout: FlowLayout;
  createdAt: string;
  updatedAt: string;
  draftProblems: FlowProblem[];
}

/** A row of `GET /api/flows/:id/versions`. */
export interface FlowVersionSummary {
  id: string;
  version: number;
  note: string | null;
  publishedAt: string;
}

/** `GET /api/flows/:id/versions/:version`: an immutable published version. */
export interface FlowVersion extends FlowVersionSummary {
  flowId: string;
  graph: RunnableFlow;
  layout: FlowLayout;
}

/** A phone number (E.164) that runs a flow when called. */
export interface PhoneTrigger {
  id: string;
  phoneNumber: string;
  flowId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Body of `POST /api/phone-triggers` and `PUT /api/phone-triggers/:id`. */
export interface PhoneTriggerInput {
  phoneNumber: string;
  flowId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

/** A row of `GET /api/calls`. */
export interface Call {
  id: string;
  flowId: string | null;
  flowVersion: number | null;
  triggerId: string | null;
  roomName: string;
  callerNumber: string | null;
  calledNumber: string | null;
  status: CallStatus;
  endReason: string | null;
  currentNodeId: string | null;
  workflowId: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** The call's workflow in the Temporal UI. */
  temporalUrl: string;
}

/** A recording made in a call (today: voicemails). */
export interface CallRecording {
  id: string;
  kind: 'voicemail' | 'call';
  nodeId: string | null;
  durationMs: number;
  createdAt: string;
}

/** `GET /api/calls/:id`. */
export interface CallDetail extends Call {
  events: CallEvent[];
  /** The call's variables (final ones for an ended call); null when they could not be read. */
  variables: Record<string, string> | null;
  recordings: CallRecording[];
}
