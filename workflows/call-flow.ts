/**
 * callFlow: one phone call. Interprets a published flow version node by node, driving media
 * activities on the worker that owns the call's LiveKit session. Deterministic: no I/O here.
 * Here: the interpreter loop and the call's life (start, hang-up signal, guards, end). The media
 * worker that holds the call (attach, reattach when it is lost) is workflows/media-session.ts; the
 * event log is workflows/call-events.ts; what each node does is workflows/node-handlers.ts.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  patched,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { currentNode, nextNodeId, findNode, type RunnableFlow, type RunnableNode } from '@switchboard/flow-model';
import type { CallVoice } from '../activities/media/contract';
import type { CallActivities } from '../activities/calls/activities';
import type { HttpActivities } from '../activities/http/activities';
import type { RoomActivities } from '../activities/calls/room';
import type { MediaPickActivities } from '../activities/calls/media-pick';
import { CallEnded, handlers, type NodeContext } from './node-handlers';
import { callEventLog } from './call-events';
import { MEDIA_DEFAULTS, mediaSession, type MediaSessionOptions } from './media-session';
import { CallStatusKey, callerHungUpSignal, getStateQuery, type CallState, type EndReason } from './definitions';

export interface CallFlowInput {
  callId: string;
  workspaceId: string;
  roomName: string;
  flowId: string;
  /** The flow's name when the call started: read by people (the Temporal UI shows the input decoded), not by the workflow. */
  flowName?: string;
  /** The version number; 0 for a test call of the draft. */
  flowVersion: number;
  /**
   * The published version this call runs (pinned for the call's whole life), by reference: the
   * workflow reads its graph once (`loadFlowVersion`), so the history's input stays short.
   */
  flowVersionId?: string;
  /** The graph itself, when there is no version to refer to (test calls of the draft; calls started before references). */
  flow?: RunnableFlow;
  callerNumber?: string;
  calledNumber?: string;
  triggerId?: string;
  /** Speech settings of the call's phone trigger: preferred providers, language, voice. */
  voice?: CallVoice;
  /** Record both sides of the call (the trigger's `recordCalls`), after playing `consentPrompt`. */
  recording?: { consentPrompt: string };
  /** Whether httpRequest nodes may reach private and loopback addresses (a workspace setting). */
  allowPrivateNetwork?: boolean;
  /** Replace card numbers and similar in what the caller says before it is recorded (a trigger setting). */
  redactTranscripts?: boolean;
  /**
   * What the caller checks decided before the call was admitted (api/telephony/caller-checks.ts):
   * `result` is `passed` or the failed check routed here; the flow sees it as `call.screening`.
   */
  screening?: { result: string; action: string | null; attestation: string | null; attestationVerified: boolean | null };
  /**
   * Task queue of the httpRequest activity; unset, the workflow's own. Test runs from the builder
   * point it (and `media.attachTaskQueue`) at a worker that answers from their script.
   */
  httpTaskQueue?: string;
  /**
   * Task queue of the bookkeeping activities (events, room release); unset, the workflow's own.
   * What-if replays point it at the scripted worker, so a replayed call records nothing.
   */
  eventsTaskQueue?: string;
  limits?: {
    /** Nodes a call may visit before it is stopped as a runaway loop. */
    maxSteps?: number;
    maxDurationMs?: number;
  };
  /** Which media workers take the call and how a lost one is noticed and replaced. */
  media?: MediaSessionOptions;
}

export interface CallFlowResult {
  endReason: EndReason;
  steps: number;
  lastNodeId: string | undefined;
}

const DEFAULTS = {
  maxSteps: 200,
  maxDurationMs: 60 * 60 * 1000,
};

export async function callFlow(input: CallFlowInput): Promise<CallFlowResult> {
  const limits = { ...DEFAULTS, ...MEDIA_DEFAULTS, ...input.limits, ...input.media };
  const { callId } = input;
  const info = workflowInfo();

  const bookkeeping = {
    // Unset in every call but what-if replays, so histories before this option replay unchanged.
    taskQueue: input.eventsTaskQueue ?? info.taskQueue,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  } as const;
  // Event writes run beside the call (the caller never waits for them) and may queue behind other
  // calls' writes on a busy database: 10 s.
  const calls = proxyActivities<CallActivities & RoomActivities>({ ...bookkeeping, startToCloseTimeout: '10s' });
  // Reads and room changes the caller waits for (milliseconds, no heartbeat): a flow worker that
  // was stopped while it held one is noticed by this timeout alone, so it is short. Replay does not
  // compare timeouts, so histories from before (10 s) replay unchanged.
  const quick = proxyActivities<CallActivities & RoomActivities>({ ...bookkeeping, startToCloseTimeout: '2s' });
  // Outbound requests: the node's own timeout bounds each try; a failure is the node's `failed` exit.
  const flowActivities = proxyActivities<HttpActivities>({
    // Unset in every call but test runs, so histories before this option replay unchanged.
    taskQueue: input.httpTaskQueue ?? info.taskQueue,
    startToCloseTimeout: '40s',
    retry: { maximumAttempts: 1 },
  });

  const state: CallState = {
    nodeId: undefined,
    status: 'attaching',
    steps: 0,
    mediaWorkerId: undefined,
    endReason: undefined,
    variables: {
      'call.id': callId,
      'call.caller': input.callerNumber ?? '',
      'call.called': input.calledNumber ?? '',
      'call.startedAt': info.startTime.toISOString(),
      'call.trigger': input.triggerId ?? '',
    },
  };
  // Everything the call does runs in this scope; hang-up and the duration guard cancel it.
  const callScope = new CancellationScope();
  let callerHungUp = false;
  let durationExceeded = false;
  setHandler(callerHungUpSignal, () => {
    callerHungUp = true;
    callScope.cancel();
  });
  setHandler(getStateQuery, () => state);

  const events = callEventLog(calls, { callId, workspaceId: input.workspaceId });
  const { emit, flush } = events;
  // Picking a live media worker to take a call over: a local activity (it runs at once on the flow
  // worker running the call, no queue between), once; without an answer the call goes to the
  // shared media queue.
  const picker = proxyLocalActivities<MediaPickActivities>({ startToCloseTimeout: '1s', retry: { maximumAttempts: 1 } });
  const session = mediaSession({ input, limits, state, events, rooms: quick, picker, callerHungUp: () => callerHungUp });

  const context: NodeContext = {
    callId,
    onMedia: session.onMedia,
    media: session.media,
    http: flowActivities.httpRequest,
    vars: state.variables,
    emit,
    flush,
    allowPrivateNetwork: input.allowPrivateNetwork ?? false,
    redactTranscripts: input.redactTranscripts === true,
    workspaceId: input.workspaceId,
    loadAgentCredentials: (request) =>
      quick.loadAgentCredentials.executeWithOptions({ summary: 'Load the AI agent’s connection keys (sealed)' }, [request]),
  };

  // The graph: in the input (draft test calls, and every call started before references, so their
  // histories replay unchanged), or read by reference while the media worker attaches.
  const loadFlow = (): Promise<RunnableFlow> => {
    if (input.flow) return Promise.resolve(input.flow);
    if (!input.flowVersionId) throw ApplicationFailure.nonRetryable('The call names neither a flow version nor a flow', 'FlowError');
    return quick.loadFlowVersion.executeWithOptions({ summary: `Load ${input.flowName ?? 'the flow'} · v${input.flowVersion}` }, [
      { workspaceId: input.workspaceId, flowVersionId: input.flowVersionId },
    ]);
  };

  const run = async (): Promise<EndReason> => {
    const [flow] = await Promise.all([loadFlow(), session.attach()]);
    state.status = 'running';
    emit('callAnswered');
    upsertSearchAttributes([{ key: CallStatusKey, value: 'active' }]);
    let nodeId: string | undefined = flow.start;
    while (nodeId !== undefined) {
      const node = findNode(flow, nodeId);
      if (!node) throw ApplicationFailure.nonRetryable(`Flow has no node '${nodeId}'`, 'FlowError');
      if (++state.steps > limits.maxSteps) throw new CallEnded('maxSteps');
      state.nodeId = node.id;
      emit('nodeEntered', node.id, { type: node.type, label: node.label ?? node.id });
      flush();
      // A call of a version published before a node type's upgrade runs the node upgraded (pure).
      const exit = await (handlers[node.type] as (node: RunnableNode, context: NodeContext) => Promise<string | undefined>)(currentNode(node), context);
      if (exit === undefined) break;
      emit('nodeExited', node.id, { exit });
      nodeId = nextNodeId(flow, node.id, exit);
      if (nodeId === undefined) throw ApplicationFailure.nonRetryable(`Exit '${exit}' of node '${node.id}' is not connected`, 'FlowError');
    }
    return 'completed';
  };

  // Calls admitted by the caller checks say so first (new inputs only: old histories lack `screening`).
  if (input.screening && patched('caller-screening')) {
    state.variables['call.screening'] = input.screening.result;
    emit('callerScreened', undefined, { ...input.screening });
  }
  emit('callStarted', undefined, { flowId: input.flowId, flowVersion: input.flowVersion });
  flush();

  const guardScope = new CancellationScope();
  guardScope
    .run(() => sleep(limits.maxDurationMs))
    .then(() => {
      durationExceeded = true;
      callScope.cancel();
    })
    .catch(() => undefined);

  let endReason: EndReason;
  let failure: unknown;
  try {
    endReason = await callScope.run(run);
  } catch (error) {
    if (durationExceeded) endReason = 'maxDuration';
    else if (callerHungUp || (error instanceof CallEnded && error.reason === 'callerHungUp')) endReason = 'callerHungUp';
    else if (error instanceof CallEnded) endReason = error.reason;
    else if (isCancellation(error)) endReason = 'cancelled';
    else {
      endReason = 'flowError';
      failure = error;
    }
  }
  guardScope.cancel();

  state.status = 'ended';
  state.endReason = endReason;
  // The flow did not hang up itself: make sure the caller is not left in a silent room.
  const callerStillHere = !['completed', 'callerHungUp', 'callerNeverJoined', 'transferred'].includes(endReason);
  if (callerStillHere) await CancellationScope.nonCancellable(() => session.hangUp(endReason));
  session.close();
  emit('callEnded', state.nodeId, { reason: endReason, steps: state.steps, variables: { ...state.variables } });
  flush();
  upsertSearchAttributes([{ key: CallStatusKey, value: endReason === 'completed' || endReason === 'callerHungUp' ? 'completed' : 'failed' }]);
  await CancellationScope.nonCancellable(() => events.written());
  if (failure) {
    throw failure instanceof ApplicationFailure
      ? failure
      : ApplicationFailure.nonRetryable(`Call flow failed: ${(failure as Error)?.message ?? String(failure)}`, 'FlowError');
  }
  return { endReason, steps: state.steps, lastNodeId: state.nodeId };
}
