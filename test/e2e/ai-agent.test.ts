// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers): the appointment-booking agent of docs/tutorial-ai-agent.md on a real
 * call. The virtual caller speaks (espeak-ng into its microphone), the media worker recognizes it
 * offline (PocketSphinx + Silero VAD) and talks to a local server that speaks OpenAI's
 * chat-completions streaming and tool-call protocol with scripted answers (300 ms to the first
 * token); the model's key is stored sealed in the workspace's Connections, not in the worker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { appointmentAgentSample } from '@switchboard/flow-model';
import { runVirtualCaller, type VirtualCallerEvent } from '../../tools/caller/virtual-caller';
import { startFakeChatCompletions, type FakeChatServer } from '../../activities/media/providers/testing/fake-chat-completions';
import { artifactsDir } from '../support/artifacts';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

let stack: Stack;
let model: FakeChatServer;
const MODEL_KEY = 'sk-test-workspace-key';

before(async () => {
  model = await startFakeChatCompletions({ apiKey: MODEL_KEY, firstTokenDelayMs: 300, chunkDelayMs: 30 });
  // The worker has no key of its own: the workspace's stored one must reach the model.
  stack = await startStack({ llm: { baseUrl: `${model.url}/v1`, retry: { maxAttempts: 2, initialBackoffMs: 50 } } });
  const response = await fetch(`${stack.api}/api/credentials/llm`, {
    method: 'PUT',
    headers: { ...stack.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ secret: MODEL_KEY }),
  });
  assert.equal(response.status, 200, await response.text());
  // The flow of the tutorial, as a reader copies it.
  const tutorial = readFileSync(fileURLToPath(new URL('../../docs/tutorial-ai-agent.md', import.meta.url)), 'utf8');
  const graph = JSON.parse(/<!-- flow: appointment-agent -->\s*```json\n([\s\S]*?)\n```/.exec(tutorial)![1]!) as unknown;
  assert.deepEqual(graph, appointmentAgentSample.graph, 'the tutorial shows the sample flow');
  const flow = await stack.post('/api/flows', { name: appointmentAgentSample.name, graph });
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'booking agent' });
  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550177', flowId: flow.id });
});
after(async () => {
  await stack?.stop();
  await model?.close();
});

type CallEvent = { type: string; nodeId: string | null; data: Record<string, any> };

async function callTheAgent(name: string, script: Parameters<typeof runVirtualCaller>[0]['script']) {
  const roomName = uniqueName(name);
  const timeline: VirtualCallerEvent[] = [];
  const caller = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    recordPath: `${artifactsDir}${name}.wav`,
    silenceHangoverMs: 1200,
    maxDurationMs: 60_000,
    script,
    onEvent: (event) => timeline.push(event),
  });
  const started = await stack.post('/api/calls', { roomName, calledNumber: '+14155550177', callerNumber: '+14155550188' });
  const heard = await caller;
  const result = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  return { heard, result, timeline, events: record.events as CallEvent[] };
}

test('the agent greets, the caller speaks two answers, the agent collects two fields and exits booked', async (t) => {
  model.bodies.length = 0;
  // The model answers from the conversation so far (what was saved), so a stray extra turn (a noise
  // taken for speech on a loaded machine) cannot put its answers out of step.
  model.options.respond = (body) => {
    const saved = body.messages.filter((message) => message.role === 'tool').map((message) => message.content).join(' ');
    if (!saved.includes('Saved day')) return { text: 'Tuesday, great. At what hour would you like to come?', toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] };
    if (!saved.includes('Saved hour')) return { toolCalls: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }] };
    return { text: 'Thank you, I have booked you in.', toolCalls: [{ name: 'finish', arguments: { outcome: 'booked' } }] };
  };
  t.after(() => delete model.options.respond);
  const { heard, result, timeline, events } = await callTheAgent('ai-agent-booked', [
    { say: 'tuesday', after: 'promptEnd' }, // after the greeting
    { say: 'ten', after: 'promptEnd' }, // after "Tuesday, great. At what hour would you like to come?"
    { waitForPrompt: true },
  ]);
  const path = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
  const said = events.filter((event) => event.type === 'callerSaid').map((event) => event.data.transcript);
  t.diagnostic(`path: ${path.join(' > ')}; caller said ${JSON.stringify(said)}`);
  t.diagnostic(`events: ${events.map((event) => `${event.type}${event.data.exit ? `(${event.data.exit})` : ''}${event.data.tool ? `(${event.data.tool})` : ''}${event.type === 'promptPlayed' ? `(${event.data.text})` : ''}`).join(', ')}`);
  t.diagnostic(`model requests: ${model.requests.map((request) => request.behavior).join(', ')}`);
  assert.deepEqual(path, ['agent', 'confirm']);
  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);
  assert.equal(said.length, 2, 'two caller turns');
  const ended = events.find((event) => event.type === 'callEnded')!.data.variables as Record<string, string>;
  assert.equal(ended['flow.day'], 'tuesday');
  assert.equal(ended['flow.hour'], '10');

  // The model got what the recognizer heard, turn by turn, with its key from the workspace.
  // Three model calls (more only if a loaded machine made a media worker look lost and a call moved).
  assert.ok(model.bodies.length >= 3, `${model.bodies.length} model calls`);
  const userTurns = model.bodies.at(-1)!.messages.filter((message) => message.role === 'user' && message.content !== '(The caller said nothing.)').map((message) => message.content);
  assert.deepEqual(userTurns, said);
  assert.equal(model.requests.filter((request) => request.behavior === 'badKey').length, 0, 'the sealed workspace key was used');
  // The agent's lines in the call's transcript, as heard.
  const agentLines = events.filter((event) => event.type === 'promptPlayed' && event.data.agent).map((event) => event.data.text);
  assert.deepEqual(agentLines, [
    'Hello, this is Bright Smile Dental. Which day would you like to come in?',
    'Tuesday, great. At what hour would you like to come?',
    'Thank you, I have booked you in.',
  ]);

  // Caller speech end → first agent audio at the caller, with the model's first token at 300 ms.
  const latencies: number[] = [];
  for (const spoke of timeline.filter((event): event is Extract<VirtualCallerEvent, { type: 'spoke' }> => event.type === 'spoke')) {
    const end = spoke.atMs + spoke.durationMs;
    const next = timeline.find((event) => event.type === 'promptStarted' && event.atMs > end);
    if (next) latencies.push(next.atMs - end);
  }
  t.diagnostic(`figure agent_speech_end_to_first_audio_ms ${JSON.stringify(latencies.map(Math.round))}`);
  const firstAudio = events.filter((event) => event.type === 'promptPlayed' && event.data.firstAudioMs !== undefined).map((event) => event.data.firstAudioMs);
  t.diagnostic(`figure agent_request_to_first_audio_ms ${JSON.stringify(firstAudio)}`);
  // Each caller turn's answer was asked for as the turn ended, before its agentReply began, and
  // that answer was the one spoken (the early request was taken, not sent again).
  const askedEarly = events.filter((event) => event.type === 'promptPlayed' && event.data.agent && typeof event.data.askedEarlyMs === 'number').map((event) => event.data.askedEarlyMs);
  t.diagnostic(`answers asked early by ${JSON.stringify(askedEarly)} ms; ${model.abandoned.length} early requests not taken`);
  assert.ok(askedEarly.length >= 1, 'the answer to "tuesday" was asked for before agentReply began');
  assert.equal(latencies.length, 2);
  // Bounds for a loaded, shared 2-core machine (the figures above are what to read): end-of-speech
  // silence (800 ms) + recognizer + a workflow task + 300 ms to the model's first token + synthesis.
  for (const latency of latencies) assert.ok(latency < 8000, `speech end → agent audio ${latency} ms`);
  // Streaming: the first sentence plays long before a whole answer could have been synthesized.
  for (const ms of firstAudio) assert.ok(ms < 2500, `model request → first audio ${ms} ms`);
});

test('a model outage takes the error exit: retried, then the flow goes on', async () => {
  model.bodies.length = 0;
  model.options.behavior = 'serverError';
  try {
    const { result, events } = await callTheAgent('ai-agent-outage', [{ say: 'tuesday', after: 'promptEnd' }, { waitForPrompt: true }]);
    const path = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
    assert.deepEqual(path, ['agent', 'human']);
    assert.equal(result.endReason, 'completed');
    assert.equal(events.find((event) => event.type === 'nodeExited' && event.nodeId === 'agent')?.data.exit, 'error');
    assert.match(String(events.find((event) => event.type === 'agentFailed')?.data.reason), /HTTP 503/);
    assert.equal(model.requests.filter((request) => request.behavior === 'serverError').length >= 2, true, 'the model call was retried');
  } finally {
    model.options.behavior = 'success';
  }
});

test('barge-in: the caller talks over a long answer; speech stops, the rest is cancelled, only what was heard is kept', async () => {
  model.bodies.length = 0;
  const long = 'We are open every weekday from nine in the morning. On Monday we have many free slots. On Tuesday there are a few left in the afternoon. On Wednesday we close at noon. On Thursday and Friday we are open until five.';
  model.options.answers.push({ text: long }, { text: 'Alright, someone will call you back.', toolCalls: [{ name: 'finish', arguments: { outcome: 'wantsHuman' } }] });
  const { events } = await callTheAgent('ai-agent-barge-in', [
    { say: 'tuesday', after: 'promptEnd' }, // after the greeting
    { say: 'ten', after: 'promptStart', promptIndex: 1, delayMs: 2500 }, // over the long answer
    { waitMs: 20_000 },
  ]);
  const path = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
  assert.deepEqual(path, ['agent', 'human']);
  const cut = events.find((event) => event.type === 'promptPlayed' && event.data.agent && event.data.turn === 1);
  assert.equal(cut?.data.interrupted, true, JSON.stringify(cut?.data));
  const heardText = String(cut?.data.text);
  assert.ok(heardText.length < long.length && long.startsWith(heardText.replace(/…$/, '').split(' ').slice(0, 3).join(' ')), heardText);
  // The model's next request holds what the caller heard, not the whole answer, then the caller's words.
  const next = model.bodies[1]!.messages;
  const lastAssistant = next.filter((message) => message.role === 'assistant').at(-1);
  assert.equal(lastAssistant?.content, heardText);
  assert.equal(next.at(-1)?.role, 'user');
  assert.equal(events.filter((event) => event.type === 'callerSaid').length, 2);
});
