/**
 * callFlow against a real Temporal dev server, with scripted media activities standing in for
 * the caller. Each test reads as a call: what the caller hears, what they press, how it ends.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { salesSupportSample, validateFlow, type FlowGraphInput, type RunnableFlow } from '@switchboard/flow-model';
import type { RecordCallEventsInput } from '../activities/calls/activities';
import type { CallEventRecord } from '../activities/calls/types';
import type { AttachMediaInput, HangupInput, MenuInput, SayInput } from '../activities/media/activities';
import { startTestTemporal, uniqueName, workflowBundle } from '../test/support/temporal';
import type { CallFlowInput, CallFlowResult } from './call-flow';
import { getStateQuery } from './definitions';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTestTemporal();
});
after(async () => {
  await env?.teardown();
});

function runnable(graph: FlowGraphInput): RunnableFlow {
  const result = validateFlow(graph);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.flow;
}

/** What a scripted caller does at each menu: a key, nothing (null), hang up, or stay on the line silently. */
type CallerMove = string | null | 'hangUp' | 'wait';

interface ScriptedCall {
  heard: string[];
  events: CallEventRecord[];
  hungUpByFlow: boolean;
  attachCount: number;
  result?: CallFlowResult;
  error?: unknown;
}

interface CallOptions {
  flow?: RunnableFlow;
  moves: CallerMove[];
  limits?: CallFlowInput['limits'];
  media?: CallFlowInput['media'];
  /** Makes the first media worker die (stop heartbeating) in the middle of the Nth prompt. */
  firstWorkerDiesAtPrompt?: number;
  /** Runs while the call is in progress. */
  during?: (workflowId: string) => Promise<void>;
}

/** Runs one call with a scripted caller on its own task queues. */
async function placeCall(options: CallOptions): Promise<ScriptedCall> {
  const call: ScriptedCall = { heard: [], events: [], hungUpByFlow: false, attachCount: 0 };
  const flowQueue = uniqueName('flows');
  const attachQueue = uniqueName('media');
  const liveQueue = uniqueName('media-live');
  const dyingQueue = uniqueName('media-dying');
  const moves = [...options.moves];
  let prompts = 0;

  const speak = async (text: string, queue: string) => {
    prompts++;
    if (queue === dyingQueue && prompts === options.firstWorkerDiesAtPrompt) {
      // A killed worker: it heard the start of the prompt, then never heartbeats or answers again.
      call.heard.push(`${text} [cut off]`);
      await new Promise<void>((resolve) => Context.current().cancellationSignal.addEventListener('abort', () => resolve()));
      throw new Error('worker died');
    }
    call.heard.push(text);
    return { playedMs: text.length * 60, interrupted: false };
  };
  const nodeActivities = (queue: string) => ({
    async say(input: SayInput) {
      return speak(input.text, queue);
    },
    async menu(input: MenuInput) {
      const played = await speak(input.prompt, queue);
      const move = moves.shift() ?? null;
      if (move === 'hangUp') throw ApplicationFailure.nonRetryable('The caller hung up', 'CallerHungUp');
      if (move === 'wait') {
        const context = Context.current();
        const beat = setInterval(() => context.heartbeat(), 100);
        try {
          await context.cancelled;
        } finally {
          clearInterval(beat);
        }
      }
      return { ...played, digit: move };
    },
    async hangup(input: HangupInput) {
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
          call.events.push(...input.events);
        },
      },
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: attachQueue,
      activities: {
        async attachMedia(_input: AttachMediaInput) {
          call.attachCount++;
          const queue = options.firstWorkerDiesAtPrompt && call.attachCount === 1 ? dyingQueue : liveQueue;
          return { taskQueue: queue, workerId: queue };
        },
      },
    }),
    Worker.create({ connection: env.nativeConnection, taskQueue: liveQueue, activities: nodeActivities(liveQueue) }),
    Worker.create({ connection: env.nativeConnection, taskQueue: dyingQueue, activities: nodeActivities(dyingQueue) }),
  ]);

  const workflowId = uniqueName('call');
  const input: CallFlowInput = {
    callId: workflowId,
    workspaceId: 'test',
    roomName: workflowId,
    flowId: 'flow',
    flowVersion: 1,
    flow: options.flow ?? runnable(salesSupportSample.graph),
    ...(options.limits ? { limits: options.limits } : {}),
    media: { attachTaskQueue: attachQueue, ...options.media },
  };
  const runAll = Promise.all(workers.map((worker) => worker.run()));
  try {
    const handle = await env.client.workflow.start('callFlow', { workflowId, taskQueue: flowQueue, args: [input] });
    if (options.during) await options.during(workflowId);
    try {
      call.result = (await handle.result()) as CallFlowResult;
    } catch (error) {
      call.error = error;
    }
  } finally {
    for (const worker of workers) worker.shutdown();
    await runAll;
  }
  return call;
}

const eventTypes = (call: ScriptedCall) => call.events.map((event) => `${event.type}${event.nodeId ? `:${event.nodeId}` : ''}`);

function assertEventsInOrder(call: ScriptedCall) {
  const seqs = call.events.map((event) => event.seq);
  assert.deepEqual(seqs, seqs.map((_, index) => index + 1), 'events are numbered 1..n, once each, in order');
}

test('hears the greeting, presses 2, hears the support prompt, is hung up on', async () => {
  const call = await placeCall({ moves: ['2'] });
  assert.deepEqual(call.heard, [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support.',
    'You have reached support. Please describe your problem after the tone.',
    'Thank you for calling. Goodbye.',
  ]);
  assert.equal(call.hungUpByFlow, true);
  assert.deepEqual(call.result, { endReason: 'completed', steps: 4, lastNodeId: 'goodbye' });
  assertEventsInOrder(call);
  assert.deepEqual(eventTypes(call), [
    'callStarted',
    'mediaAttached',
    'callAnswered',
    'nodeEntered:welcome',
    'promptPlayed:welcome',
    'nodeExited:welcome',
    'nodeEntered:mainMenu',
    'promptPlayed:mainMenu',
    'digit:mainMenu',
    'nodeExited:mainMenu',
    'nodeEntered:support',
    'promptPlayed:support',
    'nodeExited:support',
    'nodeEntered:goodbye',
    'callEnded:goodbye',
  ]);
  assert.deepEqual(call.events.find((event) => event.type === 'callEnded')?.data, { reason: 'completed', steps: 4 });
});

test('silence: the menu re-prompts twice, then leaves by noInput', async () => {
  const call = await placeCall({ moves: [null, null, null] });
  assert.deepEqual(call.heard, [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support.',
    "Sorry, I didn't hear a choice. Press 1 for sales, 2 for support.",
    "Sorry, I didn't hear a choice. Press 1 for sales, 2 for support.",
    'Sorry we could not help. Goodbye.',
  ]);
  assert.equal(call.result?.lastNodeId, 'noChoice');
  assert.equal(eventTypes(call).filter((type) => type === 'noInput:mainMenu').length, 3);
});

test('a wrong key is explained, then the right key routes to sales', async () => {
  const call = await placeCall({ moves: ['9', '1'] });
  assert.deepEqual(call.heard.slice(1, 4), [
    'Press 1 for sales, 2 for support.',
    "Sorry, that isn't one of the choices. Press 1 for sales, 2 for support.",
    'You have reached sales. Our team will be with you shortly.',
  ]);
  assert.ok(eventTypes(call).includes('noMatch:mainMenu'));
  assert.equal(call.result?.endReason, 'completed');
});

test('the caller hangs up at the menu: the call ends with that reason and nobody hangs up on them', async () => {
  const call = await placeCall({ moves: ['hangUp'] });
  assert.equal(call.result?.endReason, 'callerHungUp');
  assert.equal(call.hungUpByFlow, false);
  assert.deepEqual(call.events.at(-1)?.data, { reason: 'callerHungUp', steps: 2 });
});

test('the hang-up signal ends a call waiting at the menu at once', async () => {
  const flow = runnable({
    start: 'menu',
    nodes: [
      { id: 'menu', type: 'menu', config: { prompt: 'Choose.', options: [{ id: 'a', digit: '1', label: 'A' }], timeoutMs: 60000 } },
      { id: 'bye', type: 'hangup', config: {} },
    ],
    edges: [
      { from: 'menu', exit: 'a', to: 'bye' },
      { from: 'menu', exit: 'noInput', to: 'bye' },
      { from: 'menu', exit: 'noMatch', to: 'bye' },
    ],
  });
  const started = Date.now();
  const call = await placeCall({
    flow,
    moves: ['wait'],
    during: async (workflowId) => {
      const handle = env.client.workflow.getHandle(workflowId);
      // Wait until the menu runs, then check the query and hang up.
      for (let i = 0; i < 100; i++) {
        const state = await handle.query(getStateQuery);
        if (state.nodeId === 'menu') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal((await handle.query(getStateQuery)).status, 'running');
      await handle.signal('callerHungUp');
    },
  });
  assert.equal(call.result?.endReason, 'callerHungUp');
  assert.ok(Date.now() - started < 20_000);
});

test('a runaway loop through a menu is stopped by the step guard, and the caller is hung up on', async () => {
  const flow = runnable({
    start: 'menu',
    nodes: [
      { id: 'menu', type: 'menu', config: { prompt: 'Press 1 to hear this again.', options: [{ id: 'again', digit: '1', label: 'Again' }] } },
      { id: 'bye', type: 'hangup', config: {} },
    ],
    edges: [
      { from: 'menu', exit: 'again', to: 'menu' },
      { from: 'menu', exit: 'noInput', to: 'bye' },
      { from: 'menu', exit: 'noMatch', to: 'bye' },
    ],
  });
  const call = await placeCall({ flow, moves: Array(10).fill('1'), limits: { maxSteps: 5 } });
  assert.equal(call.result?.endReason, 'maxSteps');
  assert.equal(call.heard.length, 5);
  assert.equal(call.hungUpByFlow, true);
});

test('a media worker dies mid-prompt: another worker attaches and the caller hears the node again', async () => {
  const call = await placeCall({
    moves: ['1'],
    firstWorkerDiesAtPrompt: 2,
    media: { heartbeatTimeoutMs: 1000, scheduleToStartTimeoutMs: 1000 },
  });
  assert.equal(call.attachCount, 2);
  assert.deepEqual(call.heard.slice(0, 3), [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support. [cut off]',
    'Press 1 for sales, 2 for support.',
  ]);
  assert.equal(call.result?.endReason, 'completed');
  const types = eventTypes(call);
  const lost = types.indexOf('mediaLost:mainMenu');
  assert.ok(lost > 0, types.join());
  assert.equal(types[lost + 1], 'mediaAttached:mainMenu');
  assertEventsInOrder(call);
});
