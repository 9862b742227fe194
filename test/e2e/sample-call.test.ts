/**
 * End to end (starts servers): a virtual caller in a real LiveKit room calls the sample flow.
 * Real Temporal dev server, LiveKit server, PostgreSQL, API, flow worker and media worker (espeak-ng).
 * "Hears the greeting, presses 2, hears the support prompt, is hung up on."
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { artifactsDir, startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';
import { assertHeardSampleMenuCall } from '../support/sample-menu-call';
import { activitySummaries, decodeHistory, nodeTransitions } from '../support/history';
import { EncryptionCodec } from '../../lib/privacy/payload-codec';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

test('the sample call: greeting, press 2, support prompt, hung up; call row, events and history agree', async (t) => {
  const { post } = stack;
  const temporal = stack.temporal;
  const flow = await post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  await post(`/api/flows/${flow.id}/versions`, { note: 'e2e' });
  const calledNumber = '+14155550123';
  const callerNumber = `+1415555${String(1000 + (process.pid % 9000)).padStart(4, '0')}`;
  await post('/api/phone-triggers', { phoneNumber: calledNumber, flowId: flow.id });

  const roomName = uniqueName('e2e-room');
  const recordPath = `${artifactsDir}sample-call.wav`;
  const caller = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    recordPath,
    // The menu waits 5 s for a key, so a 1.2 s silence reliably marks the end of what was said.
    silenceHangoverMs: 1200,
    maxDurationMs: 45_000,
    script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
  });
  const started = await post('/api/calls', { roomName, calledNumber, callerNumber });
  assert.equal(started.workflowId, `call-${roomName}`);
  const heard = await caller;

  // What the caller experienced.
  const { press } = assertHeardSampleMenuCall(heard);

  // The call record and its events.
  const handle = temporal.client.workflow.getHandle(started.workflowId);
  const result = await handle.result();
  assert.equal(result.endReason, 'completed');
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  assert.equal(record.status, 'completed');
  assert.equal(record.endReason, 'completed');
  assert.equal(record.currentNodeId, 'goodbye');
  assert.ok(record.answeredAt && record.endedAt);
  const events = record.events as Array<{ seq: number; type: string; nodeId: string | null; data: Record<string, unknown>; occurredAt: string }>;
  assert.deepEqual(
    events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId),
    ['welcome', 'mainMenu', 'support', 'goodbye'],
  );
  assert.deepEqual(events.find((event) => event.type === 'digit')?.data, { digit: '2' });
  assert.deepEqual({ ...events.at(-1)?.data, variables: undefined }, { reason: 'completed', steps: 4, variables: undefined });
  assert.equal((events.at(-1)?.data.variables as Record<string, string>)['mainMenu.digit'], '2');

  // The workflow history, found the way an operator would: by the caller's number, whose keyed
  // hash the API gives (Temporal never sees the number itself).
  const { query } = await stack.get(`/api/privacy/search-attribute?number=${encodeURIComponent(callerNumber)}`);
  const found = [];
  for await (const execution of temporal.client.workflow.list({ query })) found.push(execution);
  assert.deepEqual(found.map((execution) => execution.workflowId), [started.workflowId]);
  const plain = [];
  for await (const execution of temporal.client.workflow.list({ query: `CallerNumber = '${callerNumber}'` })) plain.push(execution);
  assert.equal(plain.length, 0, 'the plain number finds nothing');
  // Payloads (summaries included) are encrypted: read them as the Temporal UI does, through the codec.
  const history = await decodeHistory(await handle.fetchHistory(), new EncryptionCodec(stack.privacy.payloadKeys));
  // Kept as a replay fixture candidate (workflows/histories/ holds the committed ones).
  await writeFile(`${artifactsDir}sample-call.history.json`, historyToJSON(history));
  const scheduled = (history.events ?? [])
    .filter((event) => event.activityTaskScheduledEventAttributes)
    .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name) => name !== 'recordCallEvents');
  // The published version is read by reference (beside attaching media), then one activity per step.
  assert.deepEqual(scheduled, ['loadFlowVersion', 'attachMedia', 'say', 'menu', 'say', 'hangup']);
  const summaries = activitySummaries(history.events ?? []);
  assert.ok(summaries.includes('Say message · Support'), summaries.join(' | '));
  assert.ok(summaries.includes('Menu · Main menu'), summaries.join(' | '));

  // Figures for the closing note: from this test's own timings.
  const transitions = nodeTransitions(history.events ?? []);
  t.diagnostic(`figure e2e_digit_to_next_prompt ${press.digitToNextPromptMs} ms`);
  t.diagnostic(`figure e2e_node_transition_max ${Math.max(...transitions)} ms (${transitions.join(', ')} ms)`);
  t.diagnostic(`recording: ${recordPath}`);
});
