/**
 * End to end (starts servers): the capacity benchmark's Go virtual caller (tools/caller-go, through
 * bench/support/go-callers.ts) calls the sample flow in a real LiveKit room with a real media worker.
 * "Hears the greeting and menu, presses 2 (a SIP DTMF data packet), hears the support prompt, is
 * hung up on." Builds caller-go when it is not built yet.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
// @ts-expect-error plain .mjs helper without types
import { resolveTool } from '../../scripts/lib/tools.mjs';
import { GoCallers } from '../../bench/support/go-callers';
import { assertHeardSampleMenuCall } from '../support/sample-menu-call';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

const NUMBER = '+14155550126';
let stack: Stack;
let callers: GoCallers;

before(async () => {
  const binary = (await resolveTool('caller-go')) as string;
  [stack, callers] = await Promise.all([startStack(), GoCallers.start(binary)]);
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });
});
after(async () => {
  await callers?.stop();
  await stack?.stop();
});

test('the Go caller: greeting and menu, press 2, support prompt, hung up on by the agent', async () => {
  const roomName = uniqueName('go-caller');
  const before = await callers.cpuSeconds();
  const calling = callers.call(
    {
      ...stack.liveKit,
      roomName,
      sampleRate: 16_000,
      // The menu waits 5 s for a key, so a 1.2 s silence reliably marks the end of what was said.
      silenceHangoverMs: 1200,
      maxDurationMs: 45_000,
      script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
    },
    4_000,
  );
  const started = (await stack.post('/api/calls', { roomName, calledNumber: NUMBER })) as { workflowId: string; callId: string };
  const result = await calling;
  assert.equal(result.error, undefined, result.error);
  const heard = result.heard;
  assert.ok(heard);

  assert.equal(heard.stepsCompleted, 2);
  const { press } = assertHeardSampleMenuCall(heard);
  assert.ok(press.digitToNextPromptMs !== null && press.digitToNextPromptMs > 0, `digit to next prompt: ${press.digitToNextPromptMs}`);
  assert.equal(heard.roomName, roomName);
  assert.match(heard.identity, /^caller-/);
  assert.ok(heard.joinedAt > 0 && heard.durationMs > 0 && heard.recordedMs > 0);

  // The media worker took the key from the data packet: the flow went the support way.
  const outcome = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  assert.equal(outcome.endReason, 'completed');
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  const events = record.events as Array<{ type: string; nodeId: string | null; data: Record<string, unknown> }>;
  assert.deepEqual(events.find((event) => event.type === 'digit')?.data, { digit: '2' });
  assert.deepEqual(
    events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId),
    ['welcome', 'mainMenu', 'support', 'goodbye'],
  );

  const cpu = (await callers.cpuSeconds()) - before;
  assert.ok(Number.isFinite(cpu) && cpu > 0, `caller CPU ${cpu} s`);
});
