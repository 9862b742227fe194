/**
 * callFlow against a real Temporal dev server, with scripted media activities standing in for
 * the caller. Each test reads as a call: what the caller hears, what they press, how it ends.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { salesSupportSample, type RunnableFlow } from '@switchboard/flow-model';
import { eventTypes, placeScriptedCall, runnable, type ScriptedCall, type ScriptedCallOptions } from '../test/support/scripted-call';
import { startTestTemporal } from '../test/support/temporal';
import type { CallFlowInput } from './call-flow';
import { getStateQuery } from './definitions';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTestTemporal();
});
after(async () => {
  await env?.teardown();
});

const placeCall = (options: Omit<ScriptedCallOptions, 'flow'> & { flow?: RunnableFlow; limits?: CallFlowInput['limits']; media?: CallFlowInput['media'] }) =>
  placeScriptedCall(env, {
    ...options,
    flow: options.flow ?? runnable(salesSupportSample.graph),
    input: { ...(options.limits ? { limits: options.limits } : {}), ...(options.media ? { media: options.media } : {}) },
  });


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
    'promptPlayed:goodbye',
    'callEnded:goodbye',
  ]);
  const ended = call.events.find((event) => event.type === 'callEnded')?.data;
  assert.deepEqual({ ...ended, variables: undefined }, { reason: 'completed', steps: 4, variables: undefined });
  assert.equal((ended?.variables as Record<string, string>)['mainMenu.digit'], '2', 'the final variables are recorded with the end');
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
  assert.deepEqual({ ...call.events.at(-1)?.data, variables: undefined }, { reason: 'callerHungUp', steps: 2, variables: undefined });
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

test('a media worker whose process dies is noticed by its watch, not a heartbeat timeout: the call moves at once and the watch of the new worker ends with the call', async () => {
  const call = await placeCall({
    moves: ['1'],
    firstWorkerDiesAtPrompt: 2,
    watched: { heardMs: 450 },
    // Timeouts far beyond the test's length: only the watch can move the call.
    media: { heartbeatTimeoutMs: 600_000, scheduleToStartTimeoutMs: 600_000 },
  });
  assert.equal(call.result?.endReason, 'completed');
  assert.equal(call.attachCount, 2);
  assert.deepEqual(call.heard.slice(0, 3), [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support. [cut off]',
    'Press 1 for sales, 2 for support.',
  ]);
  const lost = call.events.find((event) => event.type === 'mediaLost');
  assert.equal(lost?.nodeId, 'mainMenu');
  assert.deepEqual({ noticedBy: lost?.data?.noticedBy, heardMs: lost?.data?.heardMs }, { noticedBy: 'watch', heardMs: 450 });
  const types = eventTypes(call);
  assert.equal(types[types.indexOf('mediaLost:mainMenu') + 1], 'mediaAttached:mainMenu');
  // Each worker that held the call was watched; the survivor's watch was cancelled when the call ended.
  assert.equal(call.watches.started.length, 2);
  assert.notEqual(call.watches.started[0], call.watches.started[1]);
  assert.equal(call.watches.cancelled, 1);
  assertEventsInOrder(call);
});

test('a call taken over from a lost worker goes to the live worker the flow worker picked, on that worker’s own queue', async () => {
  const call = await placeCall({
    moves: ['1'],
    firstWorkerDiesAtPrompt: 2,
    watched: { heardMs: 300 },
    picker: 'live',
    media: { heartbeatTimeoutMs: 600_000, scheduleToStartTimeoutMs: 600_000 },
  });
  assert.equal(call.result?.endReason, 'completed');
  // The first attach admits the call through the shared queue; the take-over skips it.
  assert.deepEqual(call.attachedVia, ['shared', 'own']);
  assert.equal(call.picks.length, 1);
  assert.deepEqual(call.picks[0]?.avoidWorkers, [call.watches.started[0]]);
  assert.match(call.picks[0]?.attachTaskQueue ?? '', /^media/);
  assert.deepEqual(call.heard.slice(1, 3), ['Press 1 for sales, 2 for support. [cut off]', 'Press 1 for sales, 2 for support.']);
  assertEventsInOrder(call);
});

test('when the picker finds no live worker, or the picked one never takes the call, the call is taken over through the shared queue', async () => {
  for (const picker of ['none', 'unserved'] as const) {
    const call = await placeCall({
      moves: ['1'],
      firstWorkerDiesAtPrompt: 2,
      watched: { heardMs: 300 },
      picker,
      media: { heartbeatTimeoutMs: 600_000, scheduleToStartTimeoutMs: 600_000 },
    });
    assert.equal(call.result?.endReason, 'completed', picker);
    assert.deepEqual(call.attachedVia, ['shared', 'shared'], picker);
    assert.equal(call.picks.length, 1, picker);
    const types = eventTypes(call);
    assert.equal(types[types.indexOf('mediaLost:mainMenu') + 1], 'mediaAttached:mainMenu', picker);
    assertEventsInOrder(call);
  }
});

test('a call that runs too long is stopped by the duration guard, and the caller is hung up on', async () => {
  const call = await placeCall({ moves: ['wait'], limits: { maxDurationMs: 1500 } });
  assert.equal(call.result?.endReason, 'maxDuration');
  assert.equal(call.hungUpByFlow, true);
  assert.deepEqual({ ...call.events.at(-1)?.data, variables: undefined }, { reason: 'maxDuration', steps: 2, variables: undefined });
});

test('the duration guard ends a call while its events are still being written: the call ends and every event is kept', async () => {
  // Before the fix the guard cancelled the pending write, its rejection failed every workflow task,
  // and the call never ended: bounded here so that a regression fails instead of hanging.
  const placed = placeCall({ moves: ['wait'], limits: { maxDurationMs: 1500 }, eventWriteDelayMs: 2500 });
  const call = await Promise.race([placed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the call did not end within 60 s')), 60_000))]);
  assert.equal(call.result?.endReason, 'maxDuration');
  assert.equal(call.hungUpByFlow, true);
  assert.equal(call.events.at(-1)?.type, 'callEnded');
  assertEventsInOrder(call);
});

test('when no media worker survives, the call ends mediaUnavailable and the room is released, not left silent', async () => {
  const call = await placeCall({ moves: [], everyWorkerDies: true, media: { heartbeatTimeoutMs: 1000, scheduleToStartTimeoutMs: 1000, maxReattach: 2 } });
  assert.equal(call.result?.endReason, 'mediaUnavailable');
  assert.equal(call.attachCount, 3, 'the first worker and two replacements');
  assert.equal(call.roomReleased, true);
  assert.equal(eventTypes(call).filter((type) => type === 'mediaLost:welcome').length, 3);
});

/** A Transfer (version 2) with two destinations, as version 1 could not have. */
const twoDestinations = runnable({
  start: 'toDesk',
  nodes: [
    { id: 'toDesk', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550101', 'sip:desk@example.com'], announcement: 'Connecting you.' } },
    { id: 'sorry', type: 'hangup', config: { farewell: 'Nobody could take your call: {{toDesk.error}}' } },
  ],
  edges: [{ from: 'toDesk', exit: 'failed', to: 'sorry' }],
});

test('a transfer tries its destinations in order: the first fails, the second takes the call', async () => {
  const call = await placeCall({ flow: twoDestinations, transferResult: [{ transferred: false, error: 'Busy' }, { transferred: true }] });
  assert.deepEqual(call.transfers, ['+14155550101', 'sip:desk@example.com']);
  assert.deepEqual(call.heard, ['Connecting you.'], 'the announcement plays once, before the first');
  assert.equal(call.result?.endReason, 'transferred');
  const transferEvents = call.events.filter((event) => event.type.startsWith('transfer')).map((event) => [event.type, event.data]);
  assert.deepEqual(transferEvents, [
    ['transferStarted', { to: '+14155550101' }],
    ['transferFailed', { error: 'Busy' }],
    ['transferStarted', { to: 'sip:desk@example.com', attempt: 2 }],
  ]);
});

test('when every destination fails, the transfer leaves by failed with the last error', async () => {
  const call = await placeCall({ flow: twoDestinations, transferResult: [{ transferred: false, error: 'Busy' }, { transferred: false, error: 'No answer' }] });
  assert.deepEqual(call.transfers, ['+14155550101', 'sip:desk@example.com']);
  assert.deepEqual(call.heard, ['Connecting you.', 'Nobody could take your call: No answer']);
  assert.equal(call.result?.endReason, 'completed');
});
