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
import { currentNode, nextNodeId, findNode, nodeTypes, type RunnableFlow, type RunnableNode } from '@switchboard/flow-model';
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
    /**
     * How long a new call waits for a media worker with room for it (all full: none polls the
     * shared queue) before it is refused and ends `noCapacity`.
     */
    admissionWaitMs?: number;
    /**
     * Said to the caller after the call moved to another media worker (e.g. "Sorry, one moment.
     * As I was saying:"), before the interrupted node runs again from its start. Unset: the node
     * just runs again.
     */
    recoveryPrompt?: string;
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
  // A lost media worker is noticed within these (docs/operations.md, "Failure handling"). Media
  // workers heartbeat every 200 ms and take a task on their own queue within milliseconds.
  scheduleToStartTimeoutMs: 1_500,
  heartbeatTimeoutMs: 1_000,
  maxReattach: 3,
  admissionWaitMs: 30_000,
};

/** Heartbeat timeout of an attach that takes a call over from a lost worker. */
const REATTACH_HEARTBEAT_TIMEOUT_MS = 500;

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

function isScheduleToStartTimeout(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

/** The lost activity's last heartbeat said how long its audio had played (activities/media). */
function heardBeforeLoss(error: unknown): number | undefined {
  const cause = (error as ActivityFailure).cause;
  const details = cause instanceof TimeoutFailure ? (cause.lastHeartbeatDetails as { audioMs?: unknown } | undefined) : undefined;
  return typeof details?.audioMs === 'number' ? details.audioMs : undefined;
}

export async function callFlow(input: CallFlowInput): Promise<CallFlowResult> {
  const limits = { ...DEFAULTS, ...input.limits, ...input.media };
  const { callId } = input;
  const info = workflowInfo();

  const calls = proxyActivities<CallActivities & RoomActivities>({
    // Unset in every call but what-if replays, so histories before this option replay unchanged.
    taskQueue: input.eventsTaskQueue ?? info.taskQueue,
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
  const attachOptions = {
    taskQueue: input.media?.attachTaskQueue ?? MEDIA_ATTACH_TASK_QUEUE,
    startToCloseTimeout: limits.waitForCallerMs + 15_000,
    scheduleToStartTimeout: limits.admissionWaitMs,
    // A worker that stops while joining (or holding the task) is noticed like a lost node activity;
    // a stalled join fails after JOIN_TIMEOUT_MS. Either way the retry goes to whichever worker polls.
    // A schedule-to-start timeout (no worker with room for the call) is not retried: that is noCapacity.
    heartbeatTimeout: Math.max(limits.heartbeatTimeoutMs, 1_000),
    retry: { maximumAttempts: 20, initialInterval: '100ms', maximumInterval: '1s', nonRetryableErrorTypes: ['CallerNeverJoined', 'CallerHungUp'] },
  };
  const attach = proxyActivities<Pick<MediaActivities, 'attachMedia'>>(attachOptions);
  // Taking a call over from a lost worker: that worker, if only stopped, may still hold a poll on the
  // shared queue, and the server may hand it this attach; a shorter heartbeat timeout lets the retry
  // reach a live worker sooner (live workers beat every 200 ms while they attach).
  const reattach = proxyActivities<Pick<MediaActivities, 'attachMedia'>>({
    ...attachOptions,
    heartbeatTimeout: REATTACH_HEARTBEAT_TIMEOUT_MS,
    retry: { ...attachOptions.retry, initialInterval: '50ms' },
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
    const write = () =>
      calls.recordCallEvents.executeWithOptions({ summary: summary.length > 140 ? `${summary.slice(0, 139)}…` : summary }, [
        { callId, workspaceId: input.workspaceId, events: batch },
      ]);
    // A write must outlive the call's scope: cancelled with it (the duration guard, a hang-up), the
    // write's rejection went unobserved until the end of the call, failed every workflow task and
    // left the call running forever. Old histories keep the old scope.
    writing = writing.then(() => (patched('event-writes-outlive-cancel') ? CancellationScope.nonCancellable(write) : write()));
    // Observed here so that a failed write fails the call where it is awaited (the end), not the task.
    writing.catch(() => undefined);
  };

  let session: { taskQueue: string; workerId: string } | undefined;
  let reattachments = 0;
  /** Media workers declared lost during this call: they never get it back. */
  const lostWorkers: string[] = [];
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
      const attachVia = lostWorkers.length > 0 ? reattach : attach;
      const attached = await attachVia.attachMedia.executeWithOptions({ summary: 'Attach a media worker to the call room' }, [
        {
          callId,
          roomName: input.roomName,
          waitForCallerMs: limits.waitForCallerMs,
          ...(input.voice ? { voice: input.voice } : {}),
          ...(recording ? { recording } : {}),
          ...(lostWorkers.length ? { avoidWorkers: [...lostWorkers] } : {}),
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
      // No media worker took the new call within its admission wait: every one is full (or none runs).
      if (!session && isScheduleToStartTimeout(error) && patched('media-admission')) throw new CallEnded('noCapacity');
      if (error instanceof ActivityFailure) throw new CallEnded('mediaUnavailable');
      throw error;
    }
    state.mediaWorkerId = session.workerId;
    // A worker declared lost took the call back (no other came forward): it is the call's again.
    if (lostWorkers.includes(session.workerId)) {
      lostWorkers.splice(lostWorkers.indexOf(session.workerId), 1);
      state.lostMediaWorkers = [...lostWorkers];
    }
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
        const fenced = patched('fence-lost-media-worker');
        const recoveryPrompt = fenced ? input.media?.recoveryPrompt : undefined;
        // How much of the node's audio the caller had heard, as of the lost worker's last heartbeat.
        const heardMs = fenced ? heardBeforeLoss(error) : undefined;
        emit('mediaLost', node.id, {
          workerId: current.workerId,
          failure,
          ...(heardMs !== undefined ? { heardMs } : {}),
          ...(fenced ? { resume: recoveryPrompt ? 'recoveryPrompt' : 'nodeAgain' } : {}),
        });
        if (++reattachments > limits.maxReattach) throw new CallEnded('mediaUnavailable');
        log.warn('media worker lost; attaching another one', { callId, workerId: current.workerId });
        if (fenced) {
          // The lost worker may only be stopped: take it out of the room (nothing stale reaches the
          // caller when it wakes) while another worker joins, and never hand the call back to it.
          lostWorkers.push(current.workerId);
          state.lostMediaWorkers = [...lostWorkers];
          flush(); // the loss shows on the call's page while another worker attaches
          calls.removeMediaAgent
            .executeWithOptions({ summary: 'Remove the lost media worker from the room' }, [{ roomName: input.roomName, workerId: current.workerId }])
            .catch(() => undefined);
        }
        await attachSession();
        if (recoveryPrompt) {
          const next = session as { taskQueue: string; workerId: string };
          await media.say
            .executeWithOptions({ taskQueue: next.taskQueue, summary: 'Recovery line after a hand-over' }, [
              { callId, nodeId: node.id, text: recoveryPrompt, interruptible: false },
            ])
            .then((played) => emit('promptPlayed', node.id, { playedMs: played.playedMs, interrupted: played.interrupted, text: recoveryPrompt, recovery: true }))
            // A failure here shows on the node's own run just after.
            .catch(() => undefined);
        }
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
    workspaceId: input.workspaceId,
    loadAgentCredentials: (request) =>
      calls.loadAgentCredentials.executeWithOptions({ summary: 'Load the AI agent’s connection keys (sealed)' }, [request]),
  };

  // The graph: in the input (draft test calls, and every call started before references, so their
  // histories replay unchanged), or read by reference while the media worker attaches.
  const loadFlow = (): Promise<RunnableFlow> => {
    if (input.flow) return Promise.resolve(input.flow);
    if (!input.flowVersionId) throw ApplicationFailure.nonRetryable('The call names neither a flow version nor a flow', 'FlowError');
    return calls.loadFlowVersion.executeWithOptions({ summary: `Load ${input.flowName ?? 'the flow'} · v${input.flowVersion}` }, [
      { workspaceId: input.workspaceId, flowVersionId: input.flowVersionId },
    ]);
  };

  const run = async (): Promise<EndReason> => {
    const [flow] = await Promise.all([loadFlow(), attachSession()]);
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
