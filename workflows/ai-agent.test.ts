/**
 * The AI agent step in the call workflow, on a real Temporal dev server with a scripted caller and
 * scripted model answers: fields through set_field (checked against their types), outcomes as
 * exits, a finish refused while fields are missing, silence, the turn limit, a model failure, and
 * a media worker lost mid-conversation. The turn-by-turn conversation is workflow state.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { appointmentAgentSample, type FlowGraphInput } from '@switchboard/flow-model';
import { eventTypes, path, placeScriptedCall, runnable, type AgentAnswer, type CallerMove } from '../test/support/scripted-call';
import { startTestTemporal } from '../test/support/temporal';
import { artifactsDir } from '../test/support/artifacts';

let env: TestWorkflowEnvironment;
let service: Server;
let serviceUrl: string;
const serviceRequests: Array<{ method: string; url: string; body: string; auth: string | undefined }> = [];
before(async () => {
  env = await startTestTemporal();
  // The practice's booking system: free hours of a day, and bookings.
  service = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      serviceRequests.push({ method: request.method ?? '', url: request.url ?? '', body, auth: request.headers.authorization });
      if (request.url?.startsWith('/slots')) response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ free: [9, 10, 14] }));
      else response.writeHead(503).end();
    });
  });
  service.listen(0, '127.0.0.1');
  await new Promise((resolve) => service.once('listening', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
});
after(async () => {
  service?.close();
  await env?.teardown();
});

function agentFlow(change?: (config: Record<string, unknown>) => void): FlowGraphInput {
  const graph = structuredClone(appointmentAgentSample.graph);
  change?.(graph.nodes.find((node) => node.id === 'agent')!.config as Record<string, unknown>);
  return graph;
}

const call = (moves: CallerMove[], agentAnswers: AgentAnswer[], options: { graph?: FlowGraphInput; firstWorkerDiesAtPrompt?: number; allowPrivateNetwork?: boolean } = {}) =>
  placeScriptedCall(env, {
    flow: runnable(options.graph ?? agentFlow()),
    moves,
    agentAnswers,
    ...(options.allowPrivateNetwork ? { input: { allowPrivateNetwork: true } } : {}),
    ...(options.firstWorkerDiesAtPrompt ? { firstWorkerDiesAtPrompt: options.firstWorkerDiesAtPrompt } : {}),
  });

const setField = (name: string, value: unknown) => ({ name: 'set_field', arguments: { name, value } });
const finish = (outcome: string) => ({ name: 'finish', arguments: { outcome } });

test('a booking: two answers, two fields in flow variables, the booked exit; the model sees the whole conversation', async () => {
  const booked = await call(
    [{ say: 'tuesday' }, { say: 'ten' }],
    [
      { say: 'Tuesday, great. At what hour?', tools: [setField('day', 'Tuesday')] },
      { tools: [setField('hour', '10')] },
      { say: 'You are booked for Tuesday at ten.', tools: [finish('booked')] },
    ],
  );
  assert.equal(booked.error, undefined, String(booked.error));
  assert.deepEqual(booked.heard, [
    'Hello, this is Bright Smile Dental. Which day would you like to come in?',
    'Tuesday, great. At what hour?',
    'You are booked for Tuesday at ten.',
    'You are booked for tuesday at 10. Goodbye.',
  ]);
  assert.deepEqual(path(booked), ['agent', 'confirm']);
  assert.equal(booked.result?.endReason, 'completed');
  const ended = booked.events.find((event) => event.type === 'callEnded')!.data!.variables as Record<string, string>;
  assert.equal(ended['flow.day'], 'tuesday', 'the one-of value is stored as listed');
  assert.equal(ended['flow.hour'], '10');
  assert.equal(ended['agent.outcome'], 'booked');
  assert.equal(ended['agent.turns'], '2');

  // Three model calls: after each caller turn, and again after a turn that only saved a field.
  assert.equal(booked.agentRequests.length, 3);
  const last = booked.agentRequests[2]!.messages;
  assert.equal(last[0]?.role, 'system');
  assert.match(last[0]!.role === 'system' ? last[0]!.content : '', /Bright Smile Dental[\s\S]*day \(one of monday, tuesday/);
  assert.deepEqual(
    last.slice(1).map((message) => `${message.role}:${message.role === 'tool' ? message.content : message.content}`),
    [
      'assistant:Hello, this is Bright Smile Dental. Which day would you like to come in?',
      'user:tuesday',
      'assistant:Tuesday, great. At what hour?',
      'tool:Saved day.',
      'user:ten',
      'assistant:',
      'tool:Saved hour.',
    ],
  );
  assert.deepEqual(booked.agentRequests[0]!.tools.map((tool) => tool.name), ['set_field', 'finish']);
  assert.equal(booked.agentRequests[0]!.connections[0]?.model, 'gpt-4o-mini');
  // Turn by turn in the call's events: what the caller said, what the agent said, tools, the outcome.
  const agentEvents = eventTypes(booked).filter((type) => /callerSaid|promptPlayed:agent|agentToolCall|agentOutcome/.test(type));
  assert.deepEqual(agentEvents, [
    'promptPlayed:agent',
    'callerSaid:agent',
    'promptPlayed:agent',
    'agentToolCall:agent',
    'callerSaid:agent',
    'agentToolCall:agent',
    'promptPlayed:agent',
    'agentToolCall:agent',
    'agentOutcome:agent',
  ]);
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(`${artifactsDir}ai-agent-booked-history.json`, booked.historyJson ?? '');
});

test('a field of the wrong type is refused and asked again; finishing without every field is refused', async () => {
  const result = await call(
    [{ say: 'tuesday' }, { say: 'ten' }],
    [
      { say: 'What hour?', tools: [setField('day', 'sunday'), finish('booked')] },
      { say: 'Sorry, which weekday?', tools: [] },
    ],
    {},
  );
  // Caller: tuesday → the agent saved nothing (sunday is not a choice) and could not finish.
  const second = result.agentRequests[1]!.messages;
  const toolResults = second.filter((message) => message.role === 'tool').map((message) => message.content);
  assert.deepEqual(toolResults, ["Error: Field 'day' must be one of: monday, tuesday, wednesday, thursday, friday. Ask the caller again.", 'Error: these fields are still missing: day, hour. Ask for them first.']);
  const calls = result.events.filter((event) => event.type === 'agentToolCall').map((event) => event.data);
  assert.deepEqual(calls.map((data) => [data?.tool, data?.ok]), [['set_field', false], ['finish', false]]);
  assert.ok(!JSON.stringify(calls).includes('sunday'), 'the refused value is not in the events');
});

test('an outcome that needs no fields ends at once; silence twice takes noInput', async () => {
  const human = await call([{ say: 'person' }], [{ say: 'I will pass you on.', tools: [finish('wantsHuman')] }]);
  assert.deepEqual(path(human), ['agent', 'human']);

  const silent = await call([null, null], [{ say: 'Are you still there?' }]);
  assert.deepEqual(path(silent), ['agent', 'sorry']);
  assert.equal(silent.agentRequests.length, 1, 'the model answered the first silence');
  assert.equal(silent.agentRequests[0]!.messages.at(-1)?.role === 'user' && silent.agentRequests[0]!.messages.at(-1)?.content, '(The caller said nothing.)');
});

test('the turn limit takes maxTurns; a failed model takes error with the reason', async () => {
  const limited = await call(
    [{ say: 'a' }, { say: 'b' }, { say: 'c' }],
    [{ say: 'One.' }, { say: 'Two.' }, { say: 'Three.' }],
    { graph: agentFlow((config) => (config.maxTurns = 2)) },
  );
  assert.deepEqual(path(limited), ['agent', 'human']);
  assert.equal(limited.agentRequests.length, 2);
  assert.equal(limited.events.find((event) => event.type === 'agentOutcome')?.data?.outcome, 'maxTurns');

  const failed = await call([{ say: 'tuesday' }], [{ error: 'every language model failed: llm(127.0.0.1) failed: HTTP 503' }]);
  assert.deepEqual(path(failed), ['agent', 'human']);
  const exited = failed.events.find((event) => event.type === 'nodeExited' && event.nodeId === 'agent');
  assert.equal(exited?.data?.exit, 'error');
  assert.match(String(failed.events.find((event) => event.type === 'agentFailed')?.data?.reason), /HTTP 503/);
});

test('without a greeting the model speaks first; a media worker lost mid-answer: the answer again on the next worker, the conversation intact', async () => {
  const graph = agentFlow((config) => delete config.greeting);
  const moved = await call(
    [{ say: 'tuesday' }, { say: 'ten' }],
    [
      { say: 'Hello, which day?' },
      { say: 'Tuesday. What hour?', tools: [setField('day', 'tuesday')] },
      { say: 'Tuesday. What hour?', tools: [setField('day', 'tuesday')] },
      { say: 'Booked.', tools: [setField('hour', 10), finish('booked')] },
    ],
    { graph, firstWorkerDiesAtPrompt: 2 },
  );
  assert.equal(moved.error, undefined, String(moved.error));
  assert.equal(moved.attachCount, 2);
  assert.deepEqual(moved.heard.slice(0, 3), ['Hello, which day?', 'Tuesday. What hour? [cut off]', 'Tuesday. What hour?']);
  assert.deepEqual(path(moved), ['agent', 'confirm']);
  // The repeated model call was sent the same conversation as the lost one.
  assert.deepEqual(moved.agentRequests[2]!.messages, moved.agentRequests[1]!.messages);
});

test('HTTP tools: the model calls a web service with its arguments; the answer goes back to it; the network guard applies', async () => {
  const graph = agentFlow((config) => {
    config.tools = [
      {
        name: 'free_hours',
        description: 'Lists the free hours of a weekday',
        parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
        method: 'GET',
        url: `${serviceUrl}/slots?caller={{call.id}}`,
        headers: [{ name: 'Authorization', value: 'Bearer practice-key' }],
      },
      { name: 'book', description: 'Books the visit', method: 'POST', url: `${serviceUrl}/book` },
    ];
  });
  const answers: AgentAnswer[] = [
    { tools: [{ name: 'free_hours', arguments: { day: 'tuesday' } }] },
    { say: 'On Tuesday we have nine, ten or two.', tools: [setField('day', 'tuesday')] },
    { tools: [{ name: 'book', arguments: { day: 'tuesday', hour: 10 } }] },
    { say: 'That did not work; I will pass you on.', tools: [finish('wantsHuman')] },
  ];
  const booked = await call([{ say: 'tuesday' }, { say: 'ten' }], answers, { graph, allowPrivateNetwork: true });
  assert.equal(booked.error, undefined, String(booked.error));
  assert.deepEqual(path(booked), ['agent', 'human']);
  const [slots, book] = serviceRequests.slice(-2);
  assert.equal(slots?.method, 'GET');
  assert.match(slots?.url ?? '', /^\/slots\?caller=[^&]+&day=tuesday$/);
  assert.equal(slots?.auth, 'Bearer practice-key');
  assert.equal(book?.method, 'POST');
  assert.deepEqual(JSON.parse(book?.body ?? '{}'), { day: 'tuesday', hour: 10 });
  assert.deepEqual(booked.agentRequests[0]!.tools.map((tool) => tool.name), ['set_field', 'free_hours', 'book', 'finish']);
  const toolAnswers = booked.agentRequests.at(-1)!.messages.filter((message) => message.role === 'tool').map((message) => message.content);
  assert.ok(toolAnswers.includes('HTTP 200: {"free":[9,10,14]}'), JSON.stringify(toolAnswers));
  assert.ok(toolAnswers.some((answer) => /^Error: .*503/.test(answer)), JSON.stringify(toolAnswers));
  const calls = booked.events.filter((event) => event.type === 'agentToolCall' && event.data?.status !== undefined).map((event) => [event.data?.tool, event.data?.ok]);
  assert.deepEqual(calls, [['free_hours', true], ['book', false]]);

  // Without the workspace's permission, a loopback address is refused and the model is told so.
  const guarded = await call([{ say: 'tuesday' }], [{ tools: [{ name: 'free_hours', arguments: { day: 'monday' } }] }, { say: 'Sorry.', tools: [finish('wantsHuman')] }], { graph });
  const refusal = guarded.agentRequests[1]!.messages.at(-1);
  assert.equal(refusal?.role, 'tool');
  assert.match(refusal?.role === 'tool' ? refusal.content : '', /^Error: .*(private|loopback)/i);
});
