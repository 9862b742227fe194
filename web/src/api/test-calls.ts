/** Test calls from the builder (api/routes/test-calls.ts). */
import { apiRequest } from './client';
import type { CallEvent } from './types';

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

/** What the caller does at the next step that waits for them. */
export type ScriptedInput = { digits: string } | { say: string } | { silence: true } | { hangUp: true };
/** How the next HTTP request is answered. */
export type ScriptedHttpResponse = { status: number; body?: unknown } | { error: string };

/** The next answer of an AI agent step's model. */
export type ScriptedModelAnswer = { say?: string; tools: Array<{ name: string; arguments: Record<string, unknown> }> } | { error: string };

export interface TestRunResult {
  callId: string;
  version: TestCallVersion;
  endReason: string | null;
  error: string | null;
  path: string[];
  heard: string[];
  unusedInputs: number;
  unusedHttpResponses: number;
  unusedModelAnswers?: number;
  events: CallEvent[];
}

/** Runs the flow with scripted inputs (no audio); answers when the run has ended. */
export function runTestScript(
  flowId: string,
  script: { version: TestCallVersion; inputs: ScriptedInput[]; httpResponses: ScriptedHttpResponse[]; modelAnswers?: ScriptedModelAnswer[] },
): Promise<TestRunResult> {
  return apiRequest<TestRunResult>('POST', `/api/flows/${encodeURIComponent(flowId)}/test-runs`, script);
}
