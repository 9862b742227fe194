/** Test calls from the builder (api/routes/test-calls.ts). */
import { apiRequest } from './client';

/** What a test call runs: the draft, or a published version number. */
export type TestCallVersion = 'draft' | number;

export interface StartedTestCall {
  callId: string;
  workflowId: string;
  roomName: string;
  version: TestCallVersion;
  calledNumber: string | null;
  liveKitUrl: string;
  token: string;
}

export function startTestCall(flowId: string, version: TestCallVersion): Promise<StartedTestCall> {
  return apiRequest<StartedTestCall>('POST', `/api/flows/${encodeURIComponent(flowId)}/test-calls`, { version });
}
