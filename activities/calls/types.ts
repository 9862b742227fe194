/** A call event as the workflow records it; `seq` orders events and makes retried writes no-ops. */
export interface CallEventRecord {
  seq: number;
  type: CallEventType;
  nodeId?: string;
  /** Workflow time (ms since epoch) when it happened. */
  at: number;
  data?: Record<string, unknown>;
}

export type CallEventType =
  | 'callerScreened'
  | 'callStarted'
  | 'mediaAttached'
  | 'callAnswered'
  | 'nodeEntered'
  | 'promptPlayed'
  | 'digit'
  | 'noInput'
  | 'noMatch'
  | 'nodeExited'
  | 'mediaLost'
  | 'callerSaid'
  | 'variableMissing'
  | 'variablesSet'
  | 'branchTaken'
  | 'httpRequestDone'
  | 'httpRequestFailed'
  | 'businessHoursChecked'
  | 'transferStarted'
  | 'transferFailed'
  | 'voicemailRecorded'
  | 'providerFallback'
  | 'recordingConsent'
  | 'recordingStarted'
  | 'agentToolCall'
  | 'agentOutcome'
  | 'agentFailed'
  | 'callEnded';
