/**
 * What-if replay (docs/change-a-live-flow-safely.md): recorded calls re-run through the real
 * `callFlow` workflow on another version of their flow (usually the draft), as child workflows,
 * a few at a time. Every activity of a replayed call (media, HTTP, events, room) goes to the
 * scripted worker of the API that started the run, which answers from the call's recorded inputs
 * and keeps its events in memory: nothing is recorded as a call, no provider is used.
 * Workflow code: deterministic, no I/O.
 */
import { defineQuery, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { RunnableFlow } from '@switchboard/flow-model';
import { callFlow, type CallFlowInput } from './call-flow';
import { callWorkflowId } from './definitions';

/** The most calls one run replays, and the most at a time. */
export const WHAT_IF_MAX_CALLS = 200;
export const WHAT_IF_MAX_CONCURRENCY = 8;

export interface WhatIfInput {
  runId: string;
  workspaceId: string;
  flowId: string;
  flowName?: string;
  /** The version replayed against: 0 for the draft. */
  flowVersion: number;
  /** The graph replayed against (validated). */
  graph: RunnableFlow;
  /** Recorded calls, oldest decisions first; `replayId` names the replayed call (its workflow is `call-<replayId>`). */
  calls: Array<{ callId: string; replayId: string; callerNumber?: string; calledNumber?: string; triggerId?: string }>;
  concurrency: number;
  /** The scripted worker's task queue (workers/scripted-worker.ts). */
  scriptedTaskQueue: string;
  allowPrivateNetwork?: boolean;
}

/** One replayed call: what the replay did, or why it could not run. */
export interface WhatIfCallResult {
  callId: string;
  replayId: string;
  path: string[];
  endReason: string | null;
  missingInputs: number;
  missingHttpResponses: number;
  error?: string;
}

export interface WhatIfProgress {
  runId: string;
  workspaceId: string;
  flowId: string;
  flowVersion: number;
  total: number;
  done: number;
  /** In the order of `calls`; null while a call has not finished. */
  results: Array<WhatIfCallResult | null>;
}

export const getWhatIfProgressQuery = defineQuery<WhatIfProgress>('getWhatIfProgress');

interface ReplayUse {
  path: string[];
  endReason: string | null;
  missingInputs: number;
  missingHttpResponses: number;
}

export async function whatIfReplay(input: WhatIfInput): Promise<WhatIfProgress> {
  const scripted = proxyActivities<{ finishReplay(input: { callId: string }): Promise<ReplayUse | null> }>({
    taskQueue: input.scriptedTaskQueue,
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 3 },
  });
  const calls = input.calls.slice(0, WHAT_IF_MAX_CALLS);
  const progress: WhatIfProgress = {
    runId: input.runId,
    workspaceId: input.workspaceId,
    flowId: input.flowId,
    flowVersion: input.flowVersion,
    total: calls.length,
    done: 0,
    results: calls.map(() => null),
  };
  setHandler(getWhatIfProgressQuery, () => progress);

  const replay = async (index: number): Promise<void> => {
    const call = calls[index] as WhatIfInput['calls'][number];
    const childInput: CallFlowInput = {
      callId: call.replayId,
      workspaceId: input.workspaceId,
      roomName: call.replayId,
      flowId: input.flowId,
      ...(input.flowName ? { flowName: input.flowName } : {}),
      flowVersion: input.flowVersion,
      flow: input.graph,
      ...(call.callerNumber ? { callerNumber: call.callerNumber } : {}),
      ...(call.calledNumber ? { calledNumber: call.calledNumber } : {}),
      ...(call.triggerId ? { triggerId: call.triggerId } : {}),
      ...(input.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}),
      media: { attachTaskQueue: input.scriptedTaskQueue, scheduleToStartTimeoutMs: 10_000, admissionWaitMs: 10_000 },
      httpTaskQueue: input.scriptedTaskQueue,
      eventsTaskQueue: input.scriptedTaskQueue,
      limits: { maxDurationMs: 10 * 60_000 },
    };
    let error: string | undefined;
    try {
      await executeChild(callFlow, { workflowId: callWorkflowId(call.replayId), args: [childInput] });
    } catch (failure) {
      error = `The replay failed: ${(failure as Error).message}`;
    }
    const use = await scripted.finishReplay({ callId: call.replayId }).catch(() => null);
    progress.results[index] = use
      ? { callId: call.callId, replayId: call.replayId, ...use, ...(error ? { error } : {}) }
      : { callId: call.callId, replayId: call.replayId, path: [], endReason: null, missingInputs: 0, missingHttpResponses: 0, error: error ?? 'The replay was lost (the API that started it restarted)' };
    progress.done++;
  };

  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) await replay(next++);
  };
  const lanes = Math.max(1, Math.min(WHAT_IF_MAX_CONCURRENCY, input.concurrency, calls.length));
  await Promise.all(Array.from({ length: lanes }, () => lane()));
  return progress;
}
