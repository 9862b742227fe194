/**
 * callFlow: one phone call. Interprets a published flow version node by node, driving media
 * activities on the worker that owns the call's LiveKit session. Deterministic: no I/O here.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  patched,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { nextNodeId, findNode, nodeTypes, type RunnableFlow, type RunnableNode } from '@switchboard/flow-model';
import type { CallVoice, MediaActivities, ProviderEventsResult } from '../activities/media/activities';
import type { CallActivities } from '../activities/calls/activities';
import type { HttpActivities } from '../activities/http/activities';
import type { RoomActivities } from '../activities/calls/room';
import { CallEnded, handlers, type NodeContext } from './node-handlers';
import type { CallEventRecord, CallEventType } from '../activities/calls/types';
import {
  CallStatusKey,
  MEDIA_ATTACH_TASK_QUEUE,
  callerHungUpSignal,
  getStateQuery,
  type CallState,
  type EndReason,
} from './definitions';

export interface CallFlowInput {
  callId: string;
  workspaceId: string;
  roomName: string;
  flowId: string;
  flowVersion: number;
  /** The published version this call runs; pinned for the call's whole life. */
  flow: RunnableFlow;
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
  limits?: {
    /** Nodes a call may visit before it is stopped as a runaway loop. */
    maxSteps?: number;
    maxDurationMs?: number;
  };
  media?: {
    /** Shared queue that hands the call to a media worker; `media` unless a pool of its own is used. */
    attachTaskQueue?: string;
    /** How long the caller may take to appear in the room. */
    waitForCallerMs?: number;
    /** A node activity not picked up by its media worker within this is treated as a lost worker. */
    scheduleToStartTimeoutMs?: number;
    heartbeatTimeoutMs?: number;
    /** How many times a call may move to another media worker. */
    maxReattach?: number;
  };
}

export interface CallFlowResult {
  endReason: EndReason;
  steps: number;
  lastNodeId: string | undefined;
}

const DEFAULTS = {
  maxSteps: 200,
  maxDurationMs: 60 * 60 * 1000,
  waitForCallerMs: 30_000,
  scheduleToStartTimeoutMs: 5_000,
  heartbeatTimeoutMs: 5_000,
  maxReattach: 3,
};

type MediaFailure = 'callerHungUp' | 'workerLost' | 'sessionMissing' | 'callerNeverJoined';

/** Classifies a failed media activity; anything unknown is rethrown. */
function mediaFailure(error: unknown): MediaFailure | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) return 'workerLost';
  if (cause instanceof ApplicationFailure) {
    if (cause.type === 'CallerHungUp') return 'callerHungUp';
    if (cause.type === 'CallerNeverJoined') return 'callerNeverJoined';
    if (cause.type === 'MediaSessionMissing') return 'sessionMissing';
  }
  return undefined;
}

export async function callFlow(input: CallFlowInput): Promise<CallFlowResult> {
  const limits = { ...DEFAULTS, ...input.limits, ...input.media };
  const { callId } = input;
  const info = workflowInfo();

  const calls = proxyActivities<CallActivities & RoomActivities>({
    taskQueue: info.taskQueue,
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  // Outbound requests: the node's own timeout bounds each try; a failure is the node's `failed` exit.
  const flowActivities = proxyActivities<HttpActivities>({
    // Unset in every call but test runs, so histories before this option replay unchanged.
    taskQueue: input.httpTaskQueue ?? info.taskQueue,
    startToCloseTimeout: '40s',
    retry: { maximumAttempts: 1 },
  });
  const attach = proxyActivities<Pick<MediaActivities, 'attachMedia'>>({
    taskQueue: input.media?.attachTaskQueue ?? MEDIA_ATTACH_TASK_QUEUE,
    startToCloseTimeout: limits.waitForCallerMs + 15_000,
    scheduleToStartTimeout: '30s',
    retry: { maximumAttempts: 3, initialInterval: '500ms', nonRetryableErrorTypes: ['CallerNeverJoined', 'CallerHungUp'] },
  });
  // Node activities run once on the owning worker; a lost worker is handled here, by reattaching.
  const media = proxyActivities<Omit<MediaActivities, 'attachMedia'>>({
    startToCloseTimeout: '15m',
    scheduleToStartTimeout: limits.scheduleToStartTimeoutMs,
    heartbeatTimeout: limits.heartbeatTimeoutMs,
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

  // Events are written by a chain of activities that runs beside the media activities, so
  // bookkeeping never delays what the caller hears. `seq` makes a retried write a no-op.
  let seq = 0;
  let pending: CallEventRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  const emit = (type: CallEventType, nodeId?: string, data?: Record<string, unknown>): void => {
    pending.push({ seq: ++seq, type, at: Date.now(), ...(nodeId ? { nodeId } : {}), ...(data ? { data } : {}) });
  };
  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const summary = `Record ${batch.map((event) => (event.nodeId ? `${event.type} ${event.nodeId}` : event.type)).join(', ')}`;
    writing = writing.then(() =>
      calls.recordCallEvents.executeWithOptions({ summary: summary.length > 140 ? `${summary.slice(0, 139)}…` : summary }, [
        { callId, workspaceId: input.workspaceId, events: batch },
      ]),
    );
  };

  let session: { taskQueue: string; workerId: string } | undefined;
  let reattachments = 0;
  // Recording: each media worker that holds the call records its own part; consent is asked once.
  let recordingPart = 0;
  let consentPlayed = false;

  const attachSession = async (): Promise<void> => {
    const recording = input.recording
      ? {
          recordingId: `${callId}-call-${recordingPart + 1}`,
          part: recordingPart + 1,
          ...(consentPlayed ? {} : { consentPrompt: input.recording.consentPrompt }),
        }
      : undefined;
    try {
      const attached = await attach.attachMedia.executeWithOptions({ summary: 'Attach a media worker to the call room' }, [
        {
          callId,
          roomName: input.roomName,
          waitForCallerMs: limits.waitForCallerMs,
          ...(input.voice ? { voice: input.voice } : {}),
          ...(recording ? { recording } : {}),
        },
      ]);
      session = attached;
      if (recording && attached.recording) {
        recordingPart = recording.part;
        if (attached.recording.consentPlayedMs !== undefined) {
          consentPlayed = true;
          emit('recordingConsent', undefined, { playedMs: attached.recording.consentPlayedMs, consent: 'notified' });
        }
        emit('recordingStarted', undefined, { recordingId: recording.recordingId, part: recording.part, workerId: attached.workerId });
      }
    } catch (error) {
      const failure = mediaFailure(error);
      if (failure === 'callerNeverJoined') throw new CallEnded('callerNeverJoined');
      if (failure === 'callerHungUp') throw new CallEnded('callerHungUp');
      if (error instanceof ActivityFailure) throw new CallEnded('mediaUnavailable');
      throw error;
    }
    state.mediaWorkerId = session.workerId;
    emit('mediaAttached', state.nodeId, { workerId: session.workerId, reattachment: reattachments });
    flush();
  };

  /** Runs one media activity on the owning worker; moves the call to another worker when that one is lost. */
  const onMedia = async <T>(node: RunnableNode, run: (options: { taskQueue: string; summary: string }) => Promise<T>): Promise<T> => {
    for (;;) {
      if (callerHungUp) throw new CallEnded('callerHungUp');
      const current = session as { taskQueue: string; workerId: string };
      try {
        const result = await run({ taskQueue: current.taskQueue, summary: `${nodeTypes[node.type].label} · ${node.label ?? node.id}` });
        // Speech providers that failed during the activity, and the ones that took over.
        const providerEvents = (result as ProviderEventsResult | undefined)?.providerEvents;
        if (providerEvents?.length && patched('provider-fallback-events')) {
          for (const event of providerEvents) emit('providerFallback', node.id, { ...event });
        }
        // The limit is on hand-overs without progress: a long call may survive many crashes.
        reattachments = 0;
        return result;
      } catch (error) {
        const failure = mediaFailure(error);
        if (failure === 'callerHungUp') throw new CallEnded('callerHungUp');
        if (failure !== 'workerLost' && failure !== 'sessionMissing') throw error;
        if (callerHungUp) throw new CallEnded('callerHungUp');
        emit('mediaLost', node.id, { workerId: current.workerId, failure });
        if (++reattachments > limits.maxReattach) throw new CallEnded('mediaUnavailable');
        log.warn('media worker lost; attaching another one', { callId, workerId: current.workerId });
        await attachSession();
      }
    }
  };

  const context: NodeContext = {
    callId,
    onMedia,
    media,
    http: flowActivities.httpRequest,
    vars: state.variables,
    emit,
    flush,
    allowPrivateNetwork: input.allowPrivateNetwork ?? false,
    redactTranscripts: input.redactTranscripts === true,
  };

  const run = async (): Promise<EndReason> => {
    await attachSession();
    state.status = 'running';
    emit('callAnswered');
    upsertSearchAttributes([{ key: CallStatusKey, value: 'active' }]);
    let nodeId: string | undefined = input.flow.start;
    while (nodeId !== undefined) {
      const node = findNode(input.flow, nodeId);
      if (!node) throw ApplicationFailure.nonRetryable(`Flow has no node '${nodeId}'`, 'FlowError');
      if (++state.steps > limits.maxSteps) throw new CallEnded('maxSteps');
      state.nodeId = node.id;
      emit('nodeEntered', node.id, { type: node.type, label: node.label ?? node.id });
      flush();
      const exit = await (handlers[node.type] as (node: RunnableNode, context: NodeContext) => Promise<string | undefined>)(node, context);
      if (exit === undefined) break;
      emit('nodeExited', node.id, { exit });
      nodeId = nextNodeId(input.flow, node.id, exit);
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
  if (callerStillHere) {
    await CancellationScope.nonCancellable(async () => {
      let hungUp = false;
      if (session) {
        try {
          await media.hangup.executeWithOptions({ taskQueue: session.taskQueue, summary: `Hang up · ${endReason}` }, [
            { callId, nodeId: state.nodeId ?? '', ...(endReason === 'flowError' ? { farewell: 'Sorry, something went wrong. Goodbye.' } : {}) },
          ]);
          hungUp = true;
        } catch {
          // No media worker could do it; the room is released below.
        }
      }
      // Never leave a caller in a silent room: without a media worker, close the room itself.
      if (!hungUp) await calls.releaseRoom.executeWithOptions({ summary: 'Release the call room' }, [{ roomName: input.roomName }]);
    });
  }
  emit('callEnded', state.nodeId, { reason: endReason, steps: state.steps, variables: { ...state.variables } });
  flush();
  upsertSearchAttributes([{ key: CallStatusKey, value: endReason === 'completed' || endReason === 'callerHungUp' ? 'completed' : 'failed' }]);
  await CancellationScope.nonCancellable(() => writing);
  if (failure) {
    throw failure instanceof ApplicationFailure
      ? failure
      : ApplicationFailure.nonRetryable(`Call flow failed: ${(failure as Error)?.message ?? String(failure)}`, 'FlowError');
  }
  return { endReason, steps: state.steps, lastNodeId: state.nodeId };
}
