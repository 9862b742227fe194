/**
 * Runs callFlow on a real Temporal dev server with a scripted caller standing in for the media
 * worker: what the caller hears is recorded, and each input node takes the caller's next move.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { validateFlow, type FlowGraphInput, type RunnableFlow } from '@switchboard/flow-model';
import type { RecordCallEventsInput } from '../../activities/calls/activities';
import type { CallEventRecord } from '../../activities/calls/types';
import { createHttpActivities } from '../../activities/http/activities';
import type { WatchMediaWorkerInput, WatchMediaWorkerResult } from '../../activities/calls/media-watch';
import type { PickMediaWorkerInput, PickMediaWorkerResult } from '../../activities/calls/media-pick';
import { MEDIA_WATCH_TASK_QUEUE } from '../../lib/contracts/temporal';
import type {
  AgentReplyInput,
  AgentReplyResult,
  AttachMediaInput,
  HangupInput,
  ListenInput,
  MenuInput,
  PlayInput,
  RecordVoicemailInput,
  SayInput,
  TransferInput,
  TransferResult,
} from '../../activities/media/contract';
import { callFlow, type CallFlowInput, type CallFlowResult } from '../../workflows/call-flow';
import { uniqueName, workflowBundle } from './temporal';

/**
 * The caller's next move at an input node: a key ('2'), words ({ say }), a recording
 * ({ record: ms }), silence (null), hanging up, or staying on the line silently until cancelled.
 */
export type CallerMove = string | null | { say: string } | { record: number } | 'hangUp' | 'wait';

export interface ScriptedCall {
  /** What the caller heard, in order ('[audio <assetId>]' for played files, '[beep]' before a recording). */
  heard: string[];
  events: CallEventRecord[];
  hungUpByFlow: boolean;
  attachCount: number;
  transfers: string[];
  result?: CallFlowResult;
  error?: unknown;
  workflowId: string;
  /** Whether the flow worker had to close the room itself (no media worker could hang up). */
  roomReleased: boolean;
  /** The workflow history as JSON (historyToJSON), for replay fixtures. */
  historyJson?: string;
  /** What each AI agent model call was sent (the conversation so far, tools). */
  agentRequests: AgentReplyInput[];
  /** Watches started (by worker id) and how many the workflow cancelled (with `watched`). */
  watches: { started: string[]; cancelled: number };
  /** Where each attach ran: `shared` (the shared media queue) or `own` (a picked worker's own queue). */
  attachedVia: Array<'shared' | 'own'>;
  /** What each `pickMediaWorker` was asked (with `picker`). */
  picks: Array<{ avoidWorkers: string[]; attachTaskQueue: string }>;
}

/** One scripted answer of an AI agent's model: words, tool calls, or a failure of the model. */
export interface AgentAnswer {
  say?: string;
  tools?: Array<{ name: string; arguments: Record<string, unknown> }>;
  error?: string;
}

export interface ScriptedCallOptions {
  flow: RunnableFlow;
  moves?: CallerMove[];
  input?: Partial<CallFlowInput>;
  /** Makes the first media worker die (stop heartbeating) in the middle of the Nth prompt. */
  firstWorkerDiesAtPrompt?: number;
  /** Every media worker attached dies at its first prompt (no worker ever survives). */
  everyWorkerDies?: boolean;
  /**
   * Media workers answer a watch address, and a watch (`watchMediaWorker` on the `media-watch`
   * queue) reports the dying worker's process gone, with `heardMs`, the moment it dies.
   */
  watched?: { heardMs: number };
  /** What transfers answer; a list answers each transfer in turn (then they fail). */
  transferResult?: TransferResult | TransferResult[];
  /** Runs while the call is in progress. */
  during?: (workflowId: string) => Promise<void>;
  /** The AI agent's model answers, in order (then it says "Okay."). */
  agentAnswers?: AgentAnswer[];
  /** How long each write of call events takes (a slow database). */
  eventWriteDelayMs?: number;
  /**
   * The flow worker's `pickMediaWorker` when a call moves: `live` names the surviving worker (which
   * then takes the call on its own queue), `none` finds nobody, `unserved` names a worker whose queue
   * nobody polls. Unset: no picker runs (a flow worker from before it).
   */
  picker?: 'live' | 'none' | 'unserved';
}

export function runnable(graph: FlowGraphInput): RunnableFlow {
  const result = validateFlow(graph);
  if (!result.ok) throw new Error(`invalid test flow: ${JSON.stringify(result.problems)}`);
  return result.flow;
}

async function waitForCancel(): Promise<never> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), 100);
  try {
    await context.cancelled;
  } finally {
    clearInterval(beat);
  }
  throw new Error('cancelled');
}

/** Places one call with a scripted caller, each call on task queues of its own. */
export async function placeScriptedCall(env: TestWorkflowEnvironment, options: ScriptedCallOptions): Promise<ScriptedCall> {
  const workflowId = uniqueName('call');
  const call: ScriptedCall = { heard: [], events: [], hungUpByFlow: false, attachCount: 0, transfers: [], workflowId, roomReleased: false, agentRequests: [], watches: { started: [], cancelled: 0 }, attachedVia: [], picks: [] };
  let died: () => void = () => undefined;
  const death = new Promise<void>((resolve) => (died = resolve));
  const agentAnswers = [...(options.agentAnswers ?? [])];
  let toolCallIds = 0;
  const flowQueue = uniqueName('flows');
  const attachQueue = uniqueName('media');
  const liveQueue = uniqueName('media-live');
  const dyingQueue = uniqueName('media-dying');
  const moves = [...(options.moves ?? [])];
  let prompts = 0;

  const next = async (): Promise<CallerMove> => {
    const move = moves.length > 0 ? (moves.shift() as CallerMove) : null;
    if (move === 'hangUp') throw ApplicationFailure.nonRetryable('The caller hung up', 'CallerHungUp');
    if (move === 'wait') await waitForCancel();
    return move;
  };
  const speak = async (text: string, queue: string) => {
    prompts++;
    if (queue === dyingQueue && (options.everyWorkerDies || prompts === options.firstWorkerDiesAtPrompt)) {
      // A killed worker: the caller heard the start of the prompt, then nothing, no heartbeat.
      call.heard.push(`${text} [cut off]`);
      died();
      const signal = Context.current().cancellationSignal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      throw new Error('worker died');
    }
    call.heard.push(text);
    return { playedMs: text.length * 60, interrupted: false };
  };
  const nodeActivities = (queue: string) => ({
    async say(input: SayInput) {
      return speak(input.text, queue);
    },
    async play(input: PlayInput) {
      return speak(`[audio ${input.assetId}]`, queue);
    },
    async menu(input: MenuInput) {
      const played = await speak(input.prompt, queue);
      const move = await next();
      if (move !== null && typeof move === 'object' && 'say' in move) {
        return { ...played, digit: null, transcript: input.speech ? move.say : null };
      }
      return { ...played, digit: typeof move === 'string' ? move : null };
    },
    async listen(input: ListenInput) {
      if (input.prompt) await speak(input.prompt, queue);
      const move = await next();
      if (move !== null && typeof move === 'object' && 'say' in move) return { transcript: move.say, confidence: 0.9 };
      return { transcript: null, confidence: 0 };
    },
    async recordVoicemail(input: RecordVoicemailInput) {
      await speak(input.prompt, queue);
      if (input.beep) call.heard.push('[beep]');
      const move = await next();
      if (move !== null && typeof move === 'object' && 'record' in move) {
        return { recordingId: `rec-${call.heard.length}`, durationMs: move.record, endedBy: 'key' as const };
      }
      return { recordingId: null, durationMs: 0, endedBy: 'silence' as const };
    },
    async transfer(input: TransferInput): Promise<TransferResult> {
      if (input.announcement) await speak(input.announcement, queue);
      call.transfers.push(input.to);
      const scripted = Array.isArray(options.transferResult) ? options.transferResult[call.transfers.length - 1] : options.transferResult;
      return scripted ?? { transferred: false, error: 'The far end did not answer' };
    },
    async agentReply(input: AgentReplyInput): Promise<AgentReplyResult> {
      call.agentRequests.push(input);
      const answer = agentAnswers.shift() ?? { say: 'Okay.' };
      const played = answer.say ? await speak(answer.say, queue) : { playedMs: 0, interrupted: false };
      return {
        heard: answer.say ?? '',
        interrupted: false,
        playedMs: played.playedMs,
        toolCalls: (answer.tools ?? []).map((tool) => ({ id: `call_${++toolCallIds}`, name: tool.name, arguments: JSON.stringify(tool.arguments) })),
        ...(answer.error ? { error: answer.error } : {}),
      };
    },
    async hangup(input: HangupInput) {
      if (queue === dyingQueue && options.everyWorkerDies) {
        // A dead worker answers nothing: no heartbeat, no result.
        const signal = Context.current().cancellationSignal;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        throw new Error('worker died');
      }
      if (input.farewell) call.heard.push(input.farewell);
      call.hungUpByFlow = true;
    },
  });

  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: flowQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        async recordCallEvents(input: RecordCallEventsInput) {
          if (options.eventWriteDelayMs) await new Promise((resolve) => setTimeout(resolve, options.eventWriteDelayMs));
          call.events.push(...input.events);
        },
        ...createHttpActivities(),
        async releaseRoom() {
          call.roomReleased = true;
          return { deleted: true };
        },
        async removeMediaAgent() {
          return { removed: true };
        },
        async loadAgentCredentials() {
          return {};
        },
        ...(options.picker
          ? {
              async pickMediaWorker(input: PickMediaWorkerInput): Promise<PickMediaWorkerResult> {
                call.picks.push(input);
                if (options.picker === 'none') return { candidates: 1, ready: 0 };
                const taskQueue = options.picker === 'live' ? liveQueue : uniqueName('media-unserved');
                return { picked: { workerId: taskQueue, taskQueue }, candidates: 1, ready: 1 };
              },
            }
          : {}),
      },
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: attachQueue,
      activities: {
        async attachMedia(_input: AttachMediaInput) {
          call.attachCount++;
          call.attachedVia.push('shared');
          const queue = options.everyWorkerDies || (options.firstWorkerDiesAtPrompt && call.attachCount === 1) ? dyingQueue : liveQueue;
          return { taskQueue: queue, workerId: queue, ...(options.watched ? { watchUrl: `http://${queue}.invalid/watch` } : {}) };
        },
      },
    }),
    ...(options.watched
      ? [
          Worker.create({
            connection: env.nativeConnection,
            taskQueue: MEDIA_WATCH_TASK_QUEUE,
            activities: {
              async watchMediaWorker(input: WatchMediaWorkerInput): Promise<WatchMediaWorkerResult> {
                call.watches.started.push(input.workerId);
                if (input.workerId === dyingQueue) {
                  await death;
                  return { gone: 'refused', heardMs: options.watched?.heardMs ?? 0, confirmedMs: 1 };
                }
                try {
                  return await waitForCancel();
                } finally {
                  call.watches.cancelled++;
                }
              },
            },
          }),
        ]
      : []),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: liveQueue,
      activities: {
        ...nodeActivities(liveQueue),
        // A worker picked to take the call over gets its attach on its own queue.
        async attachMedia(_input: AttachMediaInput) {
          call.attachCount++;
          call.attachedVia.push('own');
          return { taskQueue: liveQueue, workerId: liveQueue, ...(options.watched ? { watchUrl: `http://${liveQueue}.invalid/watch` } : {}) };
        },
      },
    }),
    Worker.create({ connection: env.nativeConnection, taskQueue: dyingQueue, activities: nodeActivities(dyingQueue) }),
  ]);

  const input: CallFlowInput = {
    callId: workflowId,
    workspaceId: 'test',
    roomName: workflowId,
    flowId: 'flow',
    flowVersion: 1,
    flow: options.flow,
    callerNumber: '+14155550199',
    calledNumber: '+14155550100',
    ...options.input,
    media: { attachTaskQueue: attachQueue, ...options.input?.media },
  };
  const running = Promise.all(workers.map((worker) => worker.run()));
  try {
    const handle = await env.client.workflow.start(callFlow, { workflowId, taskQueue: flowQueue, args: [input] });
    if (options.during) await options.during(workflowId);
    try {
      call.result = (await handle.result()) as CallFlowResult;
    } catch (error) {
      call.error = error;
    }
    call.historyJson = historyToJSON(await handle.fetchHistory());
  } finally {
    for (const worker of workers) worker.shutdown();
    await running;
  }
  return call;
}

/** Event types with their node, e.g. `nodeEntered:welcome`. */
export const eventTypes = (call: ScriptedCall): string[] =>
  call.events.map((event) => `${event.type}${event.nodeId ? `:${event.nodeId}` : ''}`);

/** The nodes the call visited, in order. */
export const path = (call: ScriptedCall): string[] =>
  call.events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId as string);
