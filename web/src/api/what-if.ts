/** What-if replays (api/routes/what-if.ts): recent real calls replayed against the draft or a version. */
import type { WhatIfReport } from '../../../lib/contracts/api-responses';
import { apiRequest } from './client';
import type { TestCallVersion } from './test-calls';

export type { ReplayOutcome, WhatIfCall, WhatIfReport } from '../../../lib/contracts/api-responses';

export function startWhatIf(flowId: string, body: { version: TestCallVersion; limit: number; from?: string; to?: string }): Promise<{ runId: string; total: number }> {
  return apiRequest('POST', `/api/flows/${encodeURIComponent(flowId)}/what-if`, body);
}

export function fetchWhatIf(flowId: string, runId: string): Promise<WhatIfReport> {
  return apiRequest('GET', `/api/flows/${encodeURIComponent(flowId)}/what-if/${encodeURIComponent(runId)}`);
}
