/** What-if replays (api/routes/what-if.ts): recent real calls replayed against the draft or a version. */
import { apiRequest } from './client';
import type { TestCallVersion } from './test-calls';

export type ReplayOutcome = 'samePath' | 'differentPath' | 'endedDifferently' | 'couldNotReplay';

export interface WhatIfCall {
  callId: string;
  startedAt: string | null;
  outcome: ReplayOutcome;
  /** The last step both took, and where each went next (null: the call ended there). */
  parted?: { after: string | null; original: string | null; replay: string | null; index: number };
  reason?: string;
  originalPath: string[];
  replayPath: string[];
  originalEnd: string | null;
  replayEnd: string | null;
}

export interface WhatIfReport {
  runId: string;
  status: 'running' | 'completed' | 'failed';
  version: TestCallVersion;
  total: number;
  done: number;
  totals: Record<ReplayOutcome, number>;
  calls: WhatIfCall[];
}

export function startWhatIf(flowId: string, body: { version: TestCallVersion; limit: number; from?: string; to?: string }): Promise<{ runId: string; total: number }> {
  return apiRequest('POST', `/api/flows/${encodeURIComponent(flowId)}/what-if`, body);
}

export function fetchWhatIf(flowId: string, runId: string): Promise<WhatIfReport> {
  return apiRequest('GET', `/api/flows/${encodeURIComponent(flowId)}/what-if/${encodeURIComponent(runId)}`);
}
