// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers): the tutorials' flows, read from the docs, run as real calls. What
 * docs/tutorial-ivr.md and docs/tutorial-speech-support.md promise a reader is what happens.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateFlow } from '@switchboard/flow-model';
import { runVirtualCaller, type CallerStep } from '../../tools/caller/virtual-caller';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));

/** The JSON block that follows `<!-- flow: name -->` (or `<!-- flow-node: … -->`) in a doc. */
function docBlock(file: string, marker: string): unknown {
  const text = readFileSync(`${docs}${file}`, 'utf8');
  const match = new RegExp(`<!-- ${marker} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\\s*\`\`\``).exec(text);
  if (!match) throw new Error(`${file} has no JSON block after <!-- ${marker} -->`);
  return JSON.parse(match[1] as string);
}

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

async function publish(file: string, marker: string, number: string): Promise<void> {
  const graph = docBlock(file, marker);
  const validation = validateFlow(graph);
  assert.ok(validation.ok, `${file}: ${JSON.stringify(validation.ok ? [] : validation.problems)}`);
  const flow = await stack.post('/api/flows', { name: marker, graph });
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'tutorial' });
  await stack.post('/api/phone-triggers', { phoneNumber: number, flowId: flow.id });
}

async function call(number: string, script: CallerStep[]) {
  const roomName = uniqueName('tutorial');
  const caller = runVirtualCaller({ ...stack.liveKit, roomName, silenceHangoverMs: 1200, maxDurationMs: 90_000, script });
  const started = await stack.post('/api/calls', { roomName, calledNumber: number, callerNumber: '+14155550199' });
  const heard = await caller;
  const result = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  const events = record.events as Array<{ type: string; nodeId: string | null; data: Record<string, any> }>;
  return { heard, result, events, path: events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId) };
}

test('the IVR tutorial: press 1 hears the hours; press 3 leaves a message; press 2 falls back to the voicemail', async (t) => {
  await publish('tutorial-ivr.md', 'flow: corner-bakery', '+14155550142');

  const hours = await call('+14155550142', [{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }]);
  assert.deepEqual(hours.path, ['welcome', 'mainMenu', 'hoursInfo', 'goodbye']);
  assert.equal(hours.result.endReason, 'completed');
  assert.equal(hours.heard.hungUpByAgent, true);

  const message = await call('+14155550142', [
    { press: '3', after: 'promptEnd' },
    { say: 'Hello, this is Sam. Please call me back about a birthday cake.', after: 'promptEnd' },
    { press: '#', delayMs: 300 },
    { waitForPrompt: true },
  ]);
  t.diagnostic(`message path: ${message.path.join(' > ')}`);
  assert.deepEqual(message.path, ['welcome', 'mainMenu', 'takeMessage', 'thanks']);
  const voicemail = message.events.find((event) => event.type === 'voicemailRecorded');
  assert.ok(voicemail, 'a voicemail was recorded');
  assert.equal(voicemail.data.endedBy, 'key');
  assert.equal((await fetch(`${stack.api}/api/recordings/${encodeURIComponent(voicemail.data.recordingId)}/audio`, { headers: stack.authHeaders })).status, 200);

  // No SIP trunk here: the transfer fails and the flow offers the voicemail, which the caller leaves silent.
  const order = await call('+14155550142', [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }, { waitForPrompt: true }]);
  t.diagnostic(`order path: ${order.path.join(' > ')}`);
  assert.deepEqual(order.path.slice(0, 4), ['welcome', 'mainMenu', 'toShop', 'takeMessage']);
  assert.ok(order.events.some((event) => event.type === 'transferFailed'));
});

test("the IVR tutorial's business hours step is a valid node", () => {
  const node = docBlock('tutorial-ivr.md', 'flow-node: businessHours') as { id: string };
  const graph = { start: node.id, nodes: [node, { id: 'bye', type: 'hangup', config: {} }], edges: [{ from: node.id, exit: 'open', to: 'bye' }, { from: node.id, exit: 'closed', to: 'bye' }] };
  const validation = validateFlow(graph);
  assert.ok(validation.ok, JSON.stringify(validation.ok ? [] : validation.problems));
});

test('the speech tutorial: "billing" by voice; "technical support" then a password problem gets the password help', async (t) => {
  await publish('tutorial-speech-support.md', 'flow: northwind-support', '+14155550152');

  const billing = await call('+14155550152', [{ say: 'billing', after: 'promptEnd' }, { waitForPrompt: true }]);
  t.diagnostic(`billing heard: ${JSON.stringify(billing.events.filter((e) => e.type === 'callerSaid').map((e) => e.data.transcript))}`);
  assert.deepEqual(billing.path, ['welcome', 'topic', 'billingInfo', 'goodbye']);
  assert.equal(billing.result.endReason, 'completed');

  const password = await call('+14155550152', [
    { say: 'technical support', after: 'promptEnd' },
    { say: 'I forgot my password', after: 'promptEnd' },
    { waitForPrompt: true },
  ]);
  const said = password.events.filter((e) => e.type === 'callerSaid').map((e) => e.data.transcript);
  t.diagnostic(`password path: ${password.path.join(' > ')}; heard ${JSON.stringify(said)}`);
  // The menu answer is recognized against its grammar; the free-speech answer goes through
  // PocketSphinx's general model over LiveKit (word error rate ~80 %, bench/speech.ts), which now and
  // then garbles even this sentence ("i forgot but like that's weird", once in three CI runs). The
  // Branch must follow what was heard: the password help when the transcript has "password", the
  // "noted" step (which reads the transcript back) otherwise.
  assert.ok(String(said[1] ?? '').trim(), 'the problem was heard as some words');
  const heardPassword = /password/.test(String(said[1]));
  assert.deepEqual(password.path, ['welcome', 'topic', 'describe', 'classify', heardPassword ? 'resetHelp' : 'noted', 'goodbye']);
  if (!heardPassword) {
    const noted = password.events.find((e) => e.type === 'promptPlayed' && e.nodeId === 'noted');
    assert.ok(noted && String(noted.data.text).includes(String(said[1])), 'the noted step reads back what was heard');
  }
});
