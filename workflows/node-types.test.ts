/**
 * Graph walks through every node type and every exit, driven by caller scripts, on a real
 * Temporal dev server (media scripted; HTTP requests real, to a local server).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventTypes, path, placeScriptedCall, runnable, type CallerMove, type ScriptedCall } from '../test/support/scripted-call';
import { startTestTemporal } from '../test/support/temporal';
import { everyNodeFlow } from '../test/support/every-node-flow';
import { artifactsDir } from '../test/support/artifacts';
import type { TransferResult } from '../activities/media/contract';

let env: TestWorkflowEnvironment;
let server: Server;
let api: string;
before(async () => {
  env = await startTestTemporal();
  server = createServer((request, response) => {
    if (request.url?.startsWith('/customer')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Ada', plan: 'gold' }));
    } else response.writeHead(503).end();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server?.close();
  await env?.teardown();
});

const ASSET = '6f1c1a52-6d2e-4c7e-9d7a-1f5e2b3c4d5e';
type Overrides = { hours?: 'open' | 'closed'; url?: string };
const flowFor = (overrides: Overrides = {}) =>
  runnable(everyNodeFlow({ serviceUrl: overrides.url ?? `${api}/customer`, assetId: ASSET, ...(overrides.hours ? { hours: overrides.hours } : {}) }));

async function walk(moves: CallerMove[], overrides: Overrides = {}, transferResult?: TransferResult): Promise<ScriptedCall> {
  return placeScriptedCall(env, {
    flow: flowFor(overrides),
    moves,
    input: { allowPrivateNetwork: true },
    ...(transferResult ? { transferResult } : {}),
  });
}

test('every node type in one call: variables, hours, HTTP, speech menu, failed transfer, audio, voicemail', async () => {
  const call = await walk([{ say: 'I have a question' }, { say: 'I want to buy a phone' }, { record: 4200 }]);
  assert.deepEqual(path(call), ['init', 'hours', 'lookup', 'hello', 'ask', 'route', 'menu', 'toSales', 'jingle', 'voicemail', 'bye']);
  assert.deepEqual(call.heard, [
    'Hello Ada. Welcome, caller from +14155550199.',
    'How can I help?',
    'Say sales or support, or press 1 or 2.',
    'Connecting you to sales.',
    `[audio ${ASSET}]`,
    'Leave a message for Ada after the tone.',
    '[beep]',
    'Goodbye Ada.',
  ]);
  assert.deepEqual(call.transfers, ['+14155550999']);
  assert.equal(call.result?.endReason, 'completed');
  const types = eventTypes(call);
  for (const expected of ['variablesSet:init', 'businessHoursChecked:hours', 'httpRequestDone:lookup', 'callerSaid:ask', 'branchTaken:route', 'callerSaid:menu', 'transferFailed:toSales', 'voicemailRecorded:voicemail']) {
    assert.ok(types.includes(expected), `${expected} in ${types.join()}`);
  }
  assert.ok(!types.some((type) => type.startsWith('variableMissing')));
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(`${artifactsDir}every-node-type.history.json`, call.historyJson ?? '');
});

test('closed: the business hours node leaves by closed', async () => {
  const call = await walk([], { hours: 'closed' });
  assert.deepEqual(path(call), ['init', 'hours', 'closed']);
  assert.deepEqual(call.heard, ['We are closed.']);
});

test('a failing web service leaves the HTTP node by failed', async () => {
  const call = await walk([], { url: `${api}/broken` });
  assert.deepEqual(path(call), ['init', 'hours', 'lookup', 'down']);
  assert.deepEqual(call.events.find((event) => event.type === 'httpRequestFailed')?.data, { status: 503, error: 'The service answered 503' });
});

test('silence at listen leaves by noInput', async () => {
  const call = await walk([null]);
  assert.deepEqual(path(call).slice(-2), ['ask', 'silent']);
});

test('the branch takes its condition, and a recording with nothing said leaves by noAudio', async () => {
  const call = await walk([{ say: 'Can I leave a message?' }, null]);
  assert.deepEqual(path(call).slice(-4), ['ask', 'route', 'voicemail', 'noMessage']);
  assert.deepEqual(call.events.find((event) => event.type === 'branchTaken')?.data, { exit: 'wantsVoicemail' });
});

test('menu: a key, unrecognised words, and silence each leave by their exit', async () => {
  assert.deepEqual(path(await walk([{ say: 'hello' }, '2'])).slice(-2), ['menu', 'supportDesk']);
  assert.deepEqual(path(await walk([{ say: 'hello' }, { say: 'the weather' }])).slice(-2), ['menu', 'unknown']);
  assert.deepEqual(path(await walk([{ say: 'hello' }, null])).slice(-2), ['menu', 'silent']);
});

test('a successful transfer ends the flow', async () => {
  const call = await walk([{ say: 'hi' }, '1'], {}, { transferred: true });
  assert.equal(call.result?.endReason, 'transferred');
  assert.deepEqual(path(call).slice(-1), ['toSales']);
  assert.equal(call.hungUpByFlow, false);
});

test('private addresses are refused unless the workspace allows them', async () => {
  const call = await placeScriptedCall(env, { flow: flowFor(), moves: [] });
  assert.deepEqual(path(call).slice(-2), ['lookup', 'down']);
  assert.match(String(call.events.find((event) => event.type === 'httpRequestFailed')?.data?.error), /private or loopback/);
});

test('a variable nothing set renders empty and is recorded', async () => {
  const flow = runnable({
    start: 'a',
    nodes: [
      { id: 'a', type: 'listen', config: { saveAs: 'name' } },
      { id: 'b', type: 'hangup', config: { farewell: 'Bye {{flow.name}}!' } },
    ],
    edges: [
      { from: 'a', exit: 'heard', to: 'b' },
      { from: 'a', exit: 'noInput', to: 'b' },
    ],
  });
  const call = await placeScriptedCall(env, { flow, moves: [null] });
  assert.deepEqual(call.heard, ['Bye !']);
  assert.deepEqual(call.events.find((event) => event.type === 'variableMissing')?.data, { field: 'farewell', variables: ['flow.name'] });
});
