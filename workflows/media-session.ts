/**
 * The call's media session: which media worker holds the call and how node activities reach it.
 * `attachMedia` on the shared `media` queue hands the call to a worker, which answers with its own
 * queue; node activities run there once each. When that worker is lost, the call moves to another
 * (reattach), the lost one is fenced out of the room and never gets the call back unless no other
 * worker comes forward. Workflow code: deterministic, no I/O.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  patched,
  proxyActivities,
  TimeoutFailure,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import { nodeTypes, type RunnableNode } from '@switchboard/flow-model';
import type { AttachMediaInput, AttachMediaResult, CallVoice, MediaActivities, ProviderEventsResult } from '../activities/media/contract';
import type { RoomActivities } from '../activities/calls/room';
import type { MediaWatchActivities, WatchMediaWorkerResult } from '../activities/calls/media-watch';
import type { MediaPickActivities } from '../activities/calls/media-pick';
import type { CallEventLog } from './call-events';
import { CallEnded } from './node-context';
import { MEDIA_ATTACH_TASK_QUEUE, MEDIA_WATCH_TASK_QUEUE, type CallState, type EndReason } from './definitions';

/** The call's media settings (`media` in the callFlow input). */
export interface MediaSessionOptions {
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
}

export const MEDIA_DEFAULTS = {
  waitForCallerMs: 30_000,
  // A lost media worker is noticed within these (docs/operations.md, "Failures and hand-over").
  // Media workers heartbeat every 200 ms and take a task on their own queue within milliseconds.
  // The SDK sends the server at most one heartbeat per 80 % of the timeout, so a dead worker is
  // noticed 0.2–1 s after it died; a live one whose event loop stalls for about 0.9 s is taken for
  // dead (the call moves; nothing is lost).
  scheduleToStartTimeoutMs: 1_500,
  heartbeatTimeoutMs: 1_000,
  maxReattach: 3,
  admissionWaitMs: 30_000,
};

/** Heartbeat timeout of an attach that takes a call over from a lost worker. */
const REATTACH_HEARTBEAT_TIMEOUT_MS = 500;
/** How long a worker picked to take a call over has to start its attach on its own queue. */
const PICKED_SCHEDULE_TO_START_MS = 1_000;

/** What of the callFlow input the media session reads. */
export interface MediaSessionInput {
  callId: string;
  roomName: string;
  voice?: CallVoice;
  recording?: { consentPrompt: string };
  media?: MediaSessionOptions;
}

/** The media worker that holds the call: its own task queue and id. */
interface Session {
  taskQueue: string;
  workerId: string;
  /** How long after the caller was there they could hear this worker (AttachMediaResult). */
  callerHeardAfterMs?: number;
}

/** The watch of the worker that holds the call (activities/calls/media-watch.ts). */
interface Watch {
  workerId: string;
  scope: CancellationScope;
  /** Set when the watch found the worker's process gone. */
  gone?: WatchMediaWorkerResult;
  /** Set while a node runs on the watched worker: abandons it when the watch finds the process gone. */
  onGone?: (gone: WatchMediaWorkerResult) => void;
}

/** A node activity abandoned because its worker's process is gone (the watch said so). */
class WorkerGone extends Error {
  constructor(readonly result: WatchMediaWorkerResult) {
    super('the media worker’s process is gone');
  }
}

type MediaFailure = 'callerHungUp' | 'workerLost' | 'sessionMissing' | 'callerNeverJoined';

/** How a lost worker was noticed: its process gone (the watch), a heartbeat timeout, or its queue not served. */
function noticedBy(error: unknown): 'watch' | 'heartbeat' | 'queue' | undefined {
  if (error instanceof WorkerGone) return 'watch';
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof TimeoutFailure)) return undefined;
  return cause.timeoutType === 'SCHEDULE_TO_START' ? 'queue' : 'heartbeat';
}

/** Classifies a failed media activity; anything unknown is rethrown. */
function mediaFailure(error: unknown): MediaFailure | undefined {
  if (error instanceof WorkerGone) return 'workerLost';
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
  if (error instanceof WorkerGone) return error.result.heardMs;
  const cause = (error as ActivityFailure).cause;
  const details = cause instanceof TimeoutFailure ? (cause.lastHeartbeatDetails as { audioMs?: unknown } | undefined) : undefined;
  return typeof details?.audioMs === 'number' ? details.audioMs : undefined;
}

export interface MediaSessionDeps {
  input: MediaSessionInput;
  limits: typeof MEDIA_DEFAULTS;
  /** The call's state (the query's answer): the session keeps `mediaWorkerId` and `lostMediaWorkers` in it. */
  state: CallState;
  events: Pick<CallEventLog, 'emit' | 'flush'>;
  /** Room activities of the flow worker: fence a lost worker out, close the room when no worker can. */
  rooms: ActivityInterfaceFor<Pick<RoomActivities, 'removeMediaAgent' | 'releaseRoom'>>;
  /** Watches of media worker processes; default: on the flow workers' `media-watch` queue. */
  watches?: ActivityInterfaceFor<MediaWatchActivities>;
  /** Finds a live media worker with room to take a call over (a flow worker activity). */
  picker: ActivityInterfaceFor<MediaPickActivities>;
  /** Whether the `callerHungUp` signal has come. */
  callerHungUp: () => boolean;
}

export function mediaSession({ input, limits, state, events, rooms, picker, callerHungUp, watches: watchActivities }: MediaSessionDeps) {
  const { callId } = input;
  const { emit, flush } = events;

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
  // Taking a call over on a worker picked as alive and with room, on that worker's own queue: a
  // stopped worker's open poll on the shared queue cannot take it. Once: on any failure but the
  // caller's, the call goes to the shared queue as above.
  const pickedAttach = proxyActivities<Pick<MediaActivities, 'attachMedia'>>({
    ...attachOptions,
    scheduleToStartTimeout: PICKED_SCHEDULE_TO_START_MS,
    heartbeatTimeout: REATTACH_HEARTBEAT_TIMEOUT_MS,
    retry: { maximumAttempts: 1 },
  });
  // Node activities run once on the owning worker; a lost worker is handled here, by reattaching.
  const media = proxyActivities<Omit<MediaActivities, 'attachMedia'>>({
    startToCloseTimeout: '15m',
    scheduleToStartTimeout: limits.scheduleToStartTimeoutMs,
    heartbeatTimeout: limits.heartbeatTimeoutMs,
    retry: { maximumAttempts: 1 },
  });

  // Watches the worker that holds the call for as long as it does; it answers only when the
  // worker's process is gone (its watch connection dropped and its port refuses), and the call
  // moves at once instead of after a heartbeat timeout. A flow worker lost meanwhile is retried.
  const watches =
    watchActivities ??
    proxyActivities<MediaWatchActivities>({
      taskQueue: MEDIA_WATCH_TASK_QUEUE,
      startToCloseTimeout: '2d',
      heartbeatTimeout: '10s',
      retry: { initialInterval: '1s', maximumInterval: '5s', nonRetryableErrorTypes: ['BadWatchUrl'] },
    });

  let session: Session | undefined;
  let watch: Watch | undefined;
  let reattachments = 0;
  /** Media workers declared lost during this call: they never get it back. */
  const lostWorkers: string[] = [];
  // Recording: each media worker that holds the call records its own part; consent is asked once.
  let recordingPart = 0;
  let consentPlayed = false;

  /** Watches the worker that now holds the call (its attach answered a watch address); stops the previous watch. */
  const watchWorker = (attached: AttachMediaResult): void => {
    stopWatch();
    if (!attached.watchUrl || !patched('media-watch')) return;
    const scope = new CancellationScope();
    const started: Watch = { workerId: attached.workerId, scope };
    scope
      .run(() =>
        watches.watchMediaWorker.executeWithOptions({ summary: 'Watch the media worker’s process' }, [
          { watchUrl: attached.watchUrl as string, workerId: attached.workerId, callId },
        ]),
      )
      .then(
        (result) => {
          started.gone = result;
          started.onGone?.(result);
        },
        // Cancelled (the call moved or ended) or failed: no verdict, heartbeats still watch.
        () => undefined,
      );
    watch = started;
  };
  const stopWatch = (): void => {
    if (watch && !watch.gone) watch.scope.cancel();
    watch = undefined;
  };

  /**
   * Takes the call over on a media worker that `pickMediaWorker` found alive and with room, through
   * that worker's own queue. Undefined when none was found or the picked one did not take the call.
   */
  const attachToPicked = async (args: AttachMediaInput): Promise<AttachMediaResult | undefined> => {
    const attachTaskQueue = input.media?.attachTaskQueue ?? MEDIA_ATTACH_TASK_QUEUE;
    const found = await picker.pickMediaWorker
      .executeWithOptions({ summary: 'Pick a live media worker to take the call over' }, [{ avoidWorkers: [...lostWorkers], attachTaskQueue }])
      .catch(() => undefined);
    const picked = found?.picked;
    if (!picked) return undefined;
    try {
      return await pickedAttach.attachMedia.executeWithOptions({ taskQueue: picked.taskQueue, summary: 'Attach the picked media worker to the call room' }, [args]);
    } catch (error) {
      const failure = mediaFailure(error);
      if (!(error instanceof ActivityFailure) || failure === 'callerNeverJoined' || failure === 'callerHungUp') throw error;
      log.warn('the picked media worker did not take the call; attaching through the shared queue', { callId, workerId: picked.workerId });
      return undefined;
    }
  };

  /** Hands the call to a media worker (another one than the lost ones, when there are any). */
  const attachSession = async (): Promise<void> => {
    const recording = input.recording
      ? {
          recordingId: `${callId}-call-${recordingPart + 1}`,
          part: recordingPart + 1,
          ...(consentPlayed ? {} : { consentPrompt: input.recording.consentPrompt }),
        }
      : undefined;
    try {
      const args: AttachMediaInput = {
        callId,
        roomName: input.roomName,
        waitForCallerMs: limits.waitForCallerMs,
        ...(input.voice ? { voice: input.voice } : {}),
        ...(recording ? { recording } : {}),
        ...(lostWorkers.length ? { avoidWorkers: [...lostWorkers] } : {}),
      };
      const taking = lostWorkers.length > 0;
      const attached =
        (taking && patched('pick-live-media-worker') ? await attachToPicked(args) : undefined) ??
        (await (taking ? reattach : attach).attachMedia.executeWithOptions({ summary: 'Attach a media worker to the call room' }, [args]));
      session = attached;
      watchWorker(attached);
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
    emit('mediaAttached', state.nodeId, {
      workerId: session.workerId,
      reattachment: reattachments,
      ...(session.callerHeardAfterMs !== undefined ? { callerHeardAfterMs: session.callerHeardAfterMs } : {}),
    });
    flush();
  };

  /** Runs one media activity on the owning worker; moves the call to another worker when that one is lost. */
  const onMedia = async <T>(node: RunnableNode, run: (options: { taskQueue: string; summary: string }) => Promise<T>): Promise<T> => {
    for (;;) {
      if (callerHungUp()) throw new CallEnded('callerHungUp');
      const current = session as Session;
      const watched = watch?.workerId === current.workerId ? watch : undefined;
      try {
        const options = { taskQueue: current.taskQueue, summary: `${nodeTypes[node.type].label} · ${node.label ?? node.id}` };
        let result: T;
        if (watched?.gone) throw new WorkerGone(watched.gone);
        if (!watched) result = await run(options);
        else {
          // The node runs until it ends or the watch finds its worker's process gone, whichever is first.
          const nodeScope = new CancellationScope();
          try {
            result = await new Promise<T>((resolve, reject) => {
              watched.onGone = (gone) => {
                nodeScope.cancel();
                reject(new WorkerGone(gone));
              };
              nodeScope.run(() => run(options)).then(resolve, reject);
            });
          } finally {
            watched.onGone = undefined;
          }
        }
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
        if (callerHungUp()) throw new CallEnded('callerHungUp');
        const fenced = patched('fence-lost-media-worker');
        const recoveryPrompt = fenced ? input.media?.recoveryPrompt : undefined;
        // How much of the node's audio the caller had heard, as of the lost worker's last heartbeat.
        const heardMs = fenced ? heardBeforeLoss(error) : undefined;
        const noticed = noticedBy(error);
        emit('mediaLost', node.id, {
          workerId: current.workerId,
          failure,
          ...(noticed ? { noticedBy: noticed } : {}),
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
          rooms.removeMediaAgent
            .executeWithOptions({ summary: 'Remove the lost media worker from the room' }, [{ roomName: input.roomName, workerId: current.workerId }])
            .catch(() => undefined);
        }
        await attachSession();
        if (recoveryPrompt) {
          const next = session as Session;
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

  /** Ends the call for a caller still in the room: the worker that holds the call hangs up on them. */
  const hangUp = async (endReason: EndReason): Promise<void> => {
    let hungUp = false;
    // A worker whose process is gone cannot hang up: close the room at once.
    const gone = watch?.gone !== undefined && watch.workerId === session?.workerId;
    stopWatch();
    if (session && !gone) {
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
    if (!hungUp) await rooms.releaseRoom.executeWithOptions({ summary: 'Release the call room' }, [{ roomName: input.roomName }]);
  };

  return {
    /** Node activities; run them through `onMedia`, which picks the worker's queue. */
    media,
    attach: attachSession,
    onMedia,
    hangUp,
    /** Stops watching the worker (the call is over). */
    close: stopWatch,
  };
}
