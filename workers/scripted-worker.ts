/**
 * Test runs: a flow's real call workflow (workflows/call-flow.ts, on the flow workers) with no
 * audio. Its media and HTTP activities are sent to this worker's own task queue, and answered from
 * the run's script: the caller's inputs (keys, words, silence, hanging up) in order, and the
 * answers of the flow's HTTP requests in order. Runs in the API process that started the run (the
 * script lives in its memory), on a task queue unique to that process.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { z } from 'zod';
import { valueAt, type HttpRequestInput, type HttpRequestResult } from '../activities/http/activities';
import type {
  AgentReplyInput,
  AgentReplyResult,
  AttachMediaResult,
  HangupInput,
  ListenInput,
  ListenResult,
  MenuInput,
  MenuResult,
  PlayInput,
  RecordVoicemailInput,
  RecordVoicemailResult,
  SayActivityResult,
  SayInput,
  TransferInput,
  TransferResult,
} from '../activities/media/contract';

/** What the caller does at the next step that waits for them. */
export const scriptedInput = z.union([
  z.strictObject({ digits: z.string().regex(/^[0-9*#]{1,32}$/, 'keys are 0-9, * and #') }),
  z.strictObject({ say: z.string().trim().min(1, 'say something').max(500) }),
  z.strictObject({ silence: z.literal(true) }),
  z.strictObject({ hangUp: z.literal(true) }),
]);
/** How the next HTTP request of the flow is answered. */
export const scriptedHttpResponse = z.union([
  z.strictObject({ status: z.number().int().min(100).max(599), body: z.unknown().optional() }),
  z.strictObject({ error: z.string().trim().min(1).max(300) }),
]);
/** The next answer of an AI agent step's model: words, tool calls (`set_field`, `finish`), or a failure. */
export const scriptedModelAnswer = z.union([
  z.strictObject({
    say: z.string().trim().max(1000).optional(),
    tools: z
      .array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name such as set_field or finish'), arguments: z.record(z.string(), z.unknown()).default({}) }))
      .max(10)
      .default([]),
  }),
  z.strictObject({ error: z.string().trim().min(1).max(300) }),
]);
export const testScript = z.object({
  inputs: z.array(scriptedInput).max(100).default([]),
  httpResponses: z.array(scriptedHttpResponse).max(100).default([]),
  /** AI agent steps: the model's answers, in order. */
  modelAnswers: z.array(scriptedModelAnswer).max(100).default([]),
});
export type ScriptedModelAnswer = z.output<typeof scriptedModelAnswer>;
export type ScriptedInput = z.output<typeof scriptedInput>;
export type TestScript = z.output<typeof testScript>;

/** What a run did with its script. */
export interface ScriptUse {
  /** What the flow said, in order (prompts, files as `[audio <id>]`, `[beep]`). */
  heard: string[];
  /** Script entries not reached by the flow. */
  unusedInputs: number;
  unusedHttpResponses: number;
  unusedModelAnswers: number;
  /** Transfers the flow asked for (test runs never transfer). */
  transfers: string[];
}

/** Extra behaviour of a what-if replay run (api/what-if): it reproduces a recorded call. */
export interface ReplayOptions {
  /** Whether each transfer connects, in order (test runs never do). */
  transfers: boolean[];
}

interface Run {
  script: TestScript;
  input: number;
  http: number;
  model: number;
  use: ScriptUse;
  /** Inputs and HTTP answers the flow asked for after the script ran out. */
  missingInputs: number;
  missingHttpResponses: number;
  replay?: ReplayOptions & { transfer: number; events: Array<{ type: string; nodeId?: string }> };
}

/** What a what-if replay run did: its path and how far its script fell short. */
export interface ReplayUse {
  path: string[];
  endReason: string | null;
  missingInputs: number;
  missingHttpResponses: number;
}

const MAX_VALUE_CHARS = 2000;

export interface TestRunWorker {
  /** The task queue of this worker's activities. */
  readonly taskQueue: string;
  /** Makes `callId`'s activities answer from `script`. */
  register(callId: string, script: TestScript): void;
  /** Forgets the run; returns what it did with its script. */
  finish(callId: string): ScriptUse | undefined;
  /**
   * Makes `callId` a what-if replay: its media, HTTP and bookkeeping activities (events, room)
   * are all answered here, so nothing is recorded as a call.
   */
  registerReplay(callId: string, script: TestScript, options: ReplayOptions): void;
  /** Forgets a replay run; returns its path and what it lacked. */
  finishReplay(callId: string): ReplayUse | undefined;
  run(): Promise<void>;
  shutdown(): void;
}

/** The run an activity belongs to, by its workflow id (`call-<callId>`). */
function currentRun(runs: Map<string, Run>): Run {
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  const run = runs.get(workflowId.replace(/^call-/, ''));
  if (!run) throw ApplicationFailure.nonRetryable('This test run is no longer known to the API that started it', 'MediaSessionMissing');
  return run;
}

export async function createTestRunWorker(options: {
  connection: NativeConnection;
  namespace?: string;
  /** The encrypting data converter (docs/privacy.md): the runs' activities read and write encrypted payloads. */
  dataConverter?: DataConverter;
}): Promise<TestRunWorker> {
  const taskQueue = `test-runs-${randomUUID()}`;
  const runs = new Map<string, Run>();

  const nextInput = (run: Run): ScriptedInput | { silence: true } => {
    const input = run.script.inputs[run.input];
    if (!input) {
      run.missingInputs++;
      return { silence: true };
    }
    run.input++;
    if ('hangUp' in input) throw ApplicationFailure.nonRetryable('The caller hung up', 'CallerHungUp');
    return input;
  };
  const spoken = (run: Run, text: string): SayActivityResult => {
    run.use.heard.push(text);
    return { playedMs: 0, interrupted: false };
  };

  const activities = {
    async attachMedia(): Promise<AttachMediaResult> {
      currentRun(runs);
      return { taskQueue, workerId: 'test-run' };
    },
    async say(input: SayInput): Promise<SayActivityResult> {
      return spoken(currentRun(runs), input.text);
    },
    async play(input: PlayInput): Promise<SayActivityResult> {
      return spoken(currentRun(runs), `[audio ${input.assetId}]`);
    },
    async menu(input: MenuInput): Promise<MenuResult> {
      const run = currentRun(runs);
      const played = spoken(run, input.prompt);
      const move = nextInput(run);
      if ('say' in move) return { ...played, digit: null, transcript: input.speech ? move.say : null };
      if ('digits' in move) return { ...played, digit: move.digits.charAt(0) };
      return { ...played, digit: null };
    },
    async listen(input: ListenInput): Promise<ListenResult> {
      const run = currentRun(runs);
      if (input.prompt) spoken(run, input.prompt);
      const move = nextInput(run);
      if ('say' in move) return { transcript: move.say, confidence: 1 };
      if ('digits' in move) return { transcript: null, confidence: 0, digit: move.digits.charAt(0) };
      return { transcript: null, confidence: 0 };
    },
    async recordVoicemail(input: RecordVoicemailInput): Promise<RecordVoicemailResult> {
      const run = currentRun(runs);
      spoken(run, input.prompt);
      if (input.beep) run.use.heard.push('[beep]');
      const move = nextInput(run);
      // Nothing is recorded in a test run: words stand for a message that was left. A replay of a
      // call that left one takes the recorded exit (with an id that names no recording).
      if ('say' in move || 'digits' in move) return { recordingId: run.replay ? `what-if-${run.input}` : null, durationMs: 1000, endedBy: 'digits' in move ? 'key' : 'silence' };
      return { recordingId: null, durationMs: 0, endedBy: 'silence' };
    },
    async transfer(input: TransferInput): Promise<TransferResult> {
      const run = currentRun(runs);
      if (input.announcement) spoken(run, input.announcement);
      run.use.transfers.push(input.to);
      if (run.replay && run.replay.transfers[run.replay.transfer++] === true) return { transferred: true };
      return { transferred: false, error: 'Test runs do not transfer calls' };
    },
    async hangup(input: HangupInput): Promise<void> {
      const run = currentRun(runs);
      if (input.farewell) spoken(run, input.farewell);
    },
    async agentReply(_input: AgentReplyInput): Promise<AgentReplyResult> {
      const run = currentRun(runs);
      const answer = run.script.modelAnswers[run.model];
      if (!answer) {
        // A what-if replay has no model answers (they are not recorded): the call cannot be replayed past an agent step.
        if (run.replay) run.missingInputs++;
        return { heard: '', interrupted: false, playedMs: 0, toolCalls: [], error: 'The test script has no model answer for this turn' };
      }
      run.model++;
      if ('error' in answer) return { heard: '', interrupted: false, playedMs: 0, toolCalls: [], error: answer.error };
      if (answer.say) spoken(run, answer.say);
      return {
        heard: answer.say ?? '',
        interrupted: false,
        playedMs: 0,
        toolCalls: answer.tools.map((tool, index) => ({ id: `call_${run.model}_${index}`, name: tool.name, arguments: JSON.stringify(tool.arguments) })),
      };
    },
    async httpRequest(input: HttpRequestInput): Promise<HttpRequestResult> {
      const run = currentRun(runs);
      const answer = run.script.httpResponses[run.http];
      if (!answer) {
        run.missingHttpResponses++;
        return { ok: false, status: null, error: 'The test script has no answer for this request' };
      }
      run.http++;
      if ('error' in answer) return { ok: false, status: null, error: answer.error };
      if (answer.status < 200 || answer.status >= 300) return { ok: false, status: answer.status, error: `The service answered ${answer.status}` };
      const body = answer.body ?? '';
      const values: Record<string, string> = {};
      for (const mapping of input.responseMappings) {
        const value = mapping.path === '' ? (typeof body === 'string' ? body : JSON.stringify(body)) : valueAt(body, mapping.path);
        if (value !== undefined) values[mapping.variable] = value.slice(0, MAX_VALUE_CHARS);
      }
      return { ok: true, status: answer.status, values };
    },
  };

  const finishReplay = (callId: string): ReplayUse | undefined => {
    const run = runs.get(callId);
    runs.delete(callId);
    if (!run?.replay) return undefined;
    const ended = [...run.replay.events].reverse().find((event) => event.type === 'callEnded') as { reason?: string } | undefined;
    return {
      path: run.replay.events.filter((event) => event.type === 'nodeEntered' && event.nodeId).map((event) => event.nodeId as string),
      endReason: ended?.reason || null,
      missingInputs: run.missingInputs,
      missingHttpResponses: run.missingHttpResponses,
    };
  };

  // Bookkeeping of what-if replays (CallFlowInput.eventsTaskQueue): kept here, never stored.
  const bookkeeping = {
    async recordCallEvents(input: { callId: string; events: Array<{ type: string; nodeId?: string }> }): Promise<void> {
      const run = runs.get(input.callId);
      if (!run?.replay) throw ApplicationFailure.nonRetryable('This replay is no longer known to the API that started it', 'MediaSessionMissing');
      run.replay.events.push(...input.events.map(({ type, nodeId, data }: { type: string; nodeId?: string; data?: Record<string, unknown> }) => ({ type, ...(nodeId ? { nodeId } : {}), ...(type === 'callEnded' ? { reason: String(data?.reason ?? '') } : {}) })));
    },
    async releaseRoom(): Promise<{ deleted: boolean }> {
      return { deleted: false };
    },
    async removeMediaAgent(): Promise<{ removed: boolean }> {
      return { removed: false };
    },
    /** Ends a replay run (called by the what-if workflow once the replayed call has ended). */
    async finishReplay({ callId }: { callId: string }): Promise<ReplayUse | null> {
      return finishReplay(callId) ?? null;
    },
    async loadFlowVersion(): Promise<never> {
      throw ApplicationFailure.nonRetryable('What-if replays carry their graph', 'FlowVersionMissing');
    },
  };

  const worker = await Worker.create({
    connection: options.connection,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    taskQueue,
    activities: { ...activities, ...bookkeeping },
  });

  return {
    taskQueue,
    register(callId, script) {
      runs.set(callId, { script, input: 0, http: 0, model: 0, missingInputs: 0, missingHttpResponses: 0, use: { heard: [], unusedInputs: 0, unusedHttpResponses: 0, unusedModelAnswers: 0, transfers: [] } });
    },
    finish(callId) {
      const run = runs.get(callId);
      runs.delete(callId);
      if (!run) return undefined;
      return {
        ...run.use,
        unusedInputs: run.script.inputs.length - run.input,
        unusedHttpResponses: run.script.httpResponses.length - run.http,
        unusedModelAnswers: run.script.modelAnswers.length - run.model,
      };
    },
    registerReplay(callId, script, options) {
      runs.set(callId, {
        script,
        input: 0,
        http: 0,
        model: 0,
        missingInputs: 0,
        missingHttpResponses: 0,
        use: { heard: [], unusedInputs: 0, unusedHttpResponses: 0, unusedModelAnswers: 0, transfers: [] },
        replay: { ...options, transfer: 0, events: [] },
      });
    },
    finishReplay,
    run: () => worker.run(),
    shutdown: () => worker.shutdown(),
  };
}
