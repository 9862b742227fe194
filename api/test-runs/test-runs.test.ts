/**
 * Test runs (POST /api/flows/:flowId/test-runs) on the real stack: the flow's call workflow runs on
 * the flow worker, its media and HTTP activities are answered from the script, and the answer says
 * which path the call took. No media worker and no audio are involved.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appointmentAgentSample, salesSupportSample, type FlowGraphInput } from '@switchboard/flow-model';
import { startStack, type Stack } from '../../test/support/stack';

let stack: Stack;
let salesFlow = '';
let lookupFlow = '';

/** Asks the service who calls; a known caller hears their name, else the flow says it failed. */
const lookupGraph: FlowGraphInput = {
  start: 'lookup',
  nodes: [
    { id: 'lookup', type: 'httpRequest', label: 'Find caller', config: { url: 'https://crm.example.com/callers', responseMappings: [{ variable: 'name', path: 'customer.name' }] } },
    { id: 'route', type: 'branch', label: 'Known?', config: { conditions: [{ id: 'known', variable: 'flow.name', operator: 'isNotEmpty', value: '' }] } },
    { id: 'hello', type: 'hangup', label: 'Hello', config: { farewell: 'Hello {{flow.name}}, goodbye.' } },
    { id: 'stranger', type: 'hangup', label: 'Stranger', config: { farewell: 'Hello stranger.' } },
    { id: 'down', type: 'hangup', label: 'Service down', config: { farewell: 'Our systems are down.' } },
  ],
  edges: [
    { from: 'lookup', exit: 'ok', to: 'route' },
    { from: 'lookup', exit: 'failed', to: 'down' },
    { from: 'route', exit: 'known', to: 'hello' },
    { from: 'route', exit: 'else', to: 'stranger' },
  ],
};

before(async () => {
  stack = await startStack({ mediaWorker: false });
  salesFlow = (await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph })).id;
  lookupFlow = (await stack.post('/api/flows', { name: 'Lookup', graph: lookupGraph })).id;
});

after(async () => {
  await stack?.stop();
});

const run = (flowId: string, body: unknown) => stack.post(`/api/flows/${flowId}/test-runs`, body);

test('pressing 2 takes the support branch of the draft; what the flow said comes back in order', async () => {
  const result = await run(salesFlow, { inputs: [{ digits: '2' }] });
  assert.equal(result.version, 'draft');
  assert.equal(result.endReason, 'completed');
  assert.deepEqual(result.path, ['welcome', 'mainMenu', 'support', 'goodbye']);
  assert.deepEqual(result.heard, [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support.',
    'You have reached support. Please describe your problem after the tone.',
    'Thank you for calling. Goodbye.',
  ]);
  assert.equal(result.unusedInputs, 0);
  const digit = (result.events as Array<{ type: string; data: Record<string, unknown> }>).find((event) => event.type === 'digit');
  assert.equal(digit?.data.digit, '2');
  // It was a real call workflow: its record is in the call history like any call.
  const call = await stack.get(`/api/calls/${result.callId}`);
  assert.equal(call.status, 'completed');
});

test('silence runs the menu out of retries to its no-input exit; unused inputs are reported', async () => {
  const result = await run(salesFlow, { inputs: [{ silence: true }, { silence: true }, { silence: true }] });
  assert.deepEqual(result.path, ['welcome', 'mainMenu', 'noChoice']);
  const noInputs = (result.events as Array<{ type: string }>).filter((event) => event.type === 'noInput').length;
  assert.ok(noInputs >= 1);
  const hungUp = await run(salesFlow, { inputs: [{ hangUp: true }, { digits: '1' }] });
  assert.equal(hungUp.endReason, 'callerHungUp');
  assert.equal(hungUp.unusedInputs, 1);
});

test('HTTP answers come from the script: a name, no name, and an error each take their own path', async () => {
  const known = await run(lookupFlow, { httpResponses: [{ status: 200, body: { customer: { name: 'Ada' } } }] });
  assert.deepEqual(known.path, ['lookup', 'route', 'hello']);
  assert.deepEqual(known.heard, ['Hello Ada, goodbye.']);
  const unknown = await run(lookupFlow, { httpResponses: [{ status: 200, body: { customer: {} } }] });
  assert.deepEqual(unknown.path, ['lookup', 'route', 'stranger']);
  const failing = await run(lookupFlow, { httpResponses: [{ status: 503 }] });
  assert.deepEqual(failing.path, ['lookup', 'down']);
  const unscripted = await run(lookupFlow, {});
  assert.deepEqual(unscripted.path, ['lookup', 'down'], 'a request the script does not answer fails');
});

test('an AI agent step takes its model answers from the script: fields, the booked outcome, a model failure', async () => {
  const agentFlow = (await stack.post('/api/flows', { name: 'Booking agent', graph: appointmentAgentSample.graph })).id;
  const booked = await run(agentFlow, {
    inputs: [{ say: 'tuesday' }, { say: 'ten' }],
    modelAnswers: [
      { say: 'Tuesday. What hour?', tools: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] },
      { say: 'Booked.', tools: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }, { name: 'finish', arguments: { outcome: 'booked' } }] },
    ],
  });
  assert.deepEqual(booked.path, ['agent', 'confirm']);
  assert.deepEqual(booked.heard, [
    'Hello, this is Bright Smile Dental. Which day would you like to come in?',
    'Tuesday. What hour?',
    'Booked.',
    'You are booked for tuesday at 10. Goodbye.',
  ]);
  assert.equal(booked.unusedModelAnswers, 0);
  const failed = await run(agentFlow, { inputs: [{ say: 'tuesday' }], modelAnswers: [{ error: 'timed out' }] });
  assert.deepEqual(failed.path, ['agent', 'human']);
  await assert.rejects(run(agentFlow, { modelAnswers: [{ say: 'x', tools: [{ name: 'no spaces allowed' }] }] }), /400.*modelAnswers/);
});

test('bad scripts and broken drafts are refused with what is wrong', async () => {
  await assert.rejects(run(salesFlow, { inputs: [{ digits: '2x' }] }), /400.*inputs\.0\.digits: keys are 0-9, \* and #/);
  await stack.post(`/api/flows/${salesFlow}/versions`, {}).then(() => undefined);
  const published = await run(salesFlow, { version: 1, inputs: [{ digits: '1' }] });
  assert.equal(published.version, 1);
  assert.deepEqual(published.path, ['welcome', 'mainMenu', 'sales', 'goodbye']);
  await assert.rejects(run(salesFlow, { version: 7 }), /404.*Version 7 was not found/);
  const broken = (await stack.post('/api/flows', { name: 'Broken', graph: { start: 'a', nodes: [{ id: 'a', type: 'greet', config: { text: 'Hi' } }], edges: [] } })).id;
  await assert.rejects(run(broken, {}), /422.*fix them before calling it/);
});
