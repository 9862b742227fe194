/** Test calls from the builder (api/routes/test-calls.ts). */
import { apiRequest } from './client';
import type { StartedTestCall, TestCallVersion, TestRunResult } from '../../../lib/contracts/api-responses';

export type { StartedTestCall, TestCallVersion, TestRunResult } from '../../../lib/contracts/api-responses';

export function startTestCall(flowId: string, version: TestCallVersion): Promise<StartedTestCall> {
  return apiRequest<StartedTestCall>('POST', `/api/flows/${encodeURIComponent(flowId)}/test-calls`, { version });
}

/** What the caller does at the next step that waits for them. */
export type ScriptedInput = { digits: string } | { say: string } | { silence: true } | { hangUp: true };
/** How the next HTTP request is answered. */
export type ScriptedHttpResponse = { status: number; body?: unknown } | { error: string };

/** The next answer of an AI agent step's model. */
export type ScriptedModelAnswer = { say?: string; tools: Array<{ name: string; arguments: Record<string, unknown> }> } | { error: string };

/** Runs the flow with scripted inputs (no audio); answers when the run has ended. */
export function runTestScript(
  flowId: string,
  script: { version: TestCallVersion; inputs: ScriptedInput[]; httpResponses: ScriptedHttpResponse[]; modelAnswers?: ScriptedModelAnswer[] },
): Promise<TestRunResult> {
  return apiRequest<TestRunResult>('POST', `/api/flows/${encodeURIComponent(flowId)}/test-runs`, script);
}
