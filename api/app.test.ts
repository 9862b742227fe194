/** The API against real PostgreSQL and a real Temporal dev server. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { salesSupportSample } from '@switchboard/flow-model';
import { createLogger } from '../lib/logger';
import { createTestDatabase } from '../test/support/database';
import { startTestTemporal, uniqueName } from '../test/support/temporal';
import { CallerNumberKey, CallStatusKey, FlowVersionKey } from '../workflows/definitions';
import { createApp } from './app';
import { createTestAccount } from '../test/support/auth';
import wavefile from 'wavefile';

const { WaveFile } = wavefile;
import { LocalBlobStore } from '../lib/blob-store';
import { artifactsDir } from '../test/support/artifacts';
import { generatePrivacyKeys } from '../lib/privacy/keys';
import { callerNumberHash } from '../lib/privacy/caller-hash';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: Server;
let base: string;
/** `Authorization` of the default workspace's owner (every /api route needs a caller). */
let auth: Record<string, string>;

const privacy = generatePrivacyKeys();

before(async () => {
  [env, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  const app = createApp({
    db: database.db,
    temporal: env.client,
    logger: createLogger('api-test', process.env.API_TEST_LOG_LEVEL ?? 'silent'),
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    privacy,
    blobs: new LocalBlobStore(`${artifactsDir}api-storage-${process.pid}`),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = (await createTestAccount(database.db)).headers;
});
after(async () => {
  server?.close();
  await database?.drop();
  await env?.teardown();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function publishedSampleFlow() {
  const created = await call('POST', '/api/flows', { name: 'Sample', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  assert.equal(created.status, 201);
  const published = await call('POST', `/api/flows/${created.body.id}/versions`, { note: 'first' });
  assert.equal(published.status, 201, JSON.stringify(published.body));
  return { flowId: created.body.id as string, version: published.body };
}

test('health reports the database and Temporal', async () => {
  const health = await call('GET', '/healthz');
  assert.deepEqual(health, { status: 200, body: { healthy: true, database: 'ok', temporal: 'ok' } });
});

test('a flow is created, its draft saved, and published as numbered immutable versions', async () => {
  const { flowId, version } = await publishedSampleFlow();
  assert.equal(version.version, 1);
  assert.equal(version.graph.nodes.find((node: { id: string }) => node.id === 'mainMenu').config.retries, 2, 'defaults are stored');

  const again = await call('POST', `/api/flows/${flowId}/versions`, {});
  assert.equal(again.body.version, 2);
  const list = await call('GET', `/api/flows/${flowId}/versions`);
  assert.deepEqual(list.body.map((row: { version: number }) => row.version), [2, 1]);
  const one = await call('GET', `/api/flows/${flowId}/versions/1`);
  assert.equal(one.body.note, 'first');
  const flows = await call('GET', '/api/flows');
  assert.equal(flows.body.find((flow: { id: string }) => flow.id === flowId).latestVersion, 2);
});

test('publishing a broken draft is refused with problems naming the node and field; nothing is published', async () => {
  const { flowId } = await publishedSampleFlow();
  const broken = structuredClone(salesSupportSample.graph);
  (broken.nodes[1]!.config as { options: Array<{ digit: string }> }).options[1]!.digit = '1';
  const saved = await call('PUT', `/api/flows/${flowId}/draft`, { graph: broken });
  assert.equal(saved.status, 200);
  assert.equal(saved.body.draftProblems[0].nodeId, 'mainMenu');

  const refused = await call('POST', `/api/flows/${flowId}/versions`, {});
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'invalidFlow');
  assert.deepEqual(
    refused.body.error.details.map((problem: { nodeId: string; field: string }) => [problem.nodeId, problem.field]),
    [['mainMenu', 'options.1.digit']],
  );
  const versions = await call('GET', `/api/flows/${flowId}/versions`);
  assert.equal(versions.body.length, 1);
});

test('a flow saved by an older version of a step is read, published and stored as the current version', async () => {
  // A draft as the server stored it before the Transfer's version 2 (one destination, no typeVersion).
  const v1Graph = {
    start: 'toDesk',
    nodes: [
      { id: 'toDesk', type: 'transfer', config: { to: '+14155550123', announcement: 'One moment.' } },
      { id: 'bye', type: 'hangup', config: {} },
    ],
    edges: [{ from: 'toDesk', exit: 'failed', to: 'bye' }],
  };
  const created = await call('POST', '/api/flows', { name: 'Old transfer', graph: v1Graph });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const read = await call('GET', `/api/flows/${created.body.id}`);
  assert.deepEqual(read.body.draftGraph.nodes[0], { id: 'toDesk', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550123'], announcement: 'One moment.' } });
  assert.deepEqual(read.body.draftProblems, []);

  const published = await call('POST', `/api/flows/${created.body.id}/versions`, {});
  assert.equal(published.status, 201, JSON.stringify(published.body));
  assert.deepEqual(published.body.graph.nodes[0], { id: 'toDesk', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550123'], announcement: 'One moment.', ringingTone: true } });

  // A version published by the old server (stored parsed, typeVersion 1) reads upgraded too.
  const { flowVersions } = await import('../db/schema');
  const storedV1 = { start: 'toDesk', nodes: [{ id: 'toDesk', type: 'transfer', typeVersion: 1, config: { to: '+14155550123', ringingTone: false } }], edges: [] };
  await database.db.insert(flowVersions).values({ workspaceId: created.body.workspaceId, flowId: created.body.id, version: 7, graph: storedV1 as never });
  const old = await call('GET', `/api/flows/${created.body.id}/versions/7`);
  assert.deepEqual(old.body.graph.nodes[0], { id: 'toDesk', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550123'], ringingTone: false } });
});

test('bad requests get clear JSON errors', async () => {
  const badJson = await fetch(`${base}/api/flows`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":' });
  assert.equal(badJson.status, 400);
  assert.equal(((await badJson.json()) as any).error.code, 'invalidJson');

  const noName = await call('POST', '/api/flows', { name: '' });
  assert.equal(noName.status, 400);
  assert.match(noName.body.error.message, /name: Name the flow/);

  assert.equal((await call('GET', '/api/flows/not-a-uuid')).status, 400);
  assert.equal((await call('GET', '/api/flows/00000000-0000-4000-8000-00000000ffff')).status, 404);
  const unknown = await call('GET', '/api/nothing-here');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /No route for GET \/api\/nothing-here/);
});

test('phone triggers take numbers in international format, stored as E.164, one trigger per number', async () => {
  const { flowId } = await publishedSampleFlow();
  const created = await call('POST', '/api/phone-triggers', { phoneNumber: '+1 (415) 555-0100', flowId });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.phoneNumber, '+14155550100');

  const duplicate = await call('POST', '/api/phone-triggers', { phoneNumber: '+14155550100', flowId });
  assert.equal(duplicate.status, 409);

  const local = await call('POST', '/api/phone-triggers', { phoneNumber: '415 555 0101', flowId });
  assert.equal(local.status, 400);
  assert.match(local.body.error.message, /phoneNumber: Not a phone number in international format: start it with \+/);
  const nonsense = await call('POST', '/api/phone-triggers', { phoneNumber: '+1 555', flowId });
  assert.equal(nonsense.status, 400);

  // Settings follow the shared schema (packages/flow-model/src/trigger-settings.ts): a bad one is a 400 naming it.
  const settings = { ttsProvider: 'espeak', language: 'en-US', recordCalls: true, recordingConsentPrompt: 'This call is recorded.', maxCallSeconds: 600, menuTimeoutSeconds: 5 };
  const withSettings = await call('PUT', `/api/phone-triggers/${created.body.id}`, { phoneNumber: '+14155550100', flowId, settings });
  assert.equal(withSettings.status, 200, JSON.stringify(withSettings.body));
  assert.deepEqual(withSettings.body.settings, settings);
  const noConsent = await call('PUT', `/api/phone-triggers/${created.body.id}`, { phoneNumber: '+14155550100', flowId, settings: { recordCalls: true } });
  assert.equal(noConsent.status, 400);
  assert.match(noConsent.body.error.message, /settings\.recordingConsentPrompt: Recording calls needs a consent prompt/);
  const badValues = await call('PUT', `/api/phone-triggers/${created.body.id}`, { phoneNumber: '+14155550100', flowId, settings: { sttProvider: 'siri', maxCallSeconds: 5, language: 'english!' } });
  assert.equal(badValues.status, 400);
  assert.deepEqual(
    (badValues.body.error.details as Array<{ field: string }>).map((detail) => detail.field).sort(),
    ['settings.language', 'settings.maxCallSeconds', 'settings.sttProvider'],
  );
  assert.deepEqual((await call('GET', `/api/phone-triggers/${created.body.id}`)).body.settings, settings, 'a refused change loses nothing');

  const updated = await call('PUT', `/api/phone-triggers/${created.body.id}`, { phoneNumber: '+14155550100', flowId, enabled: false });
  assert.equal(updated.body.enabled, false);
  assert.equal((await call('DELETE', `/api/phone-triggers/${created.body.id}`)).status, 204);
  assert.equal((await call('GET', `/api/phone-triggers/${created.body.id}`)).status, 404);
});

test('starting a call records it and starts one searchable workflow; a repeat is a no-op', async () => {
  const { flowId } = await publishedSampleFlow();
  await call('POST', '/api/phone-triggers', { phoneNumber: '+14155550142', flowId });
  const roomName = uniqueName('room');
  const request = { roomName, calledNumber: '+14155550142', callerNumber: '+442071838750' };

  const first = await call('POST', '/api/calls', request);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.workflowId, `call-${roomName}`);
  assert.match(first.body.temporalUrl, new RegExp(`/namespaces/default/workflows/call-${roomName}$`));

  const repeat = await call('POST', '/api/calls', request);
  assert.equal(repeat.status, 200);
  assert.equal(repeat.body.started, false);

  const handle = env.client.workflow.getHandle(first.body.workflowId);
  const description = await handle.describe();
  assert.equal(description.type, 'callFlow');
  // Temporal search holds a keyed hash of the caller's number, never the number.
  assert.equal(description.typedSearchAttributes.get(CallerNumberKey), callerNumberHash(privacy.callerHashKey, '+442071838750'));
  assert.match(String(description.typedSearchAttributes.get(CallerNumberKey)), /^[0-9a-f]{64}$/);
  assert.equal(description.typedSearchAttributes.get(FlowVersionKey), 1);
  assert.equal(description.typedSearchAttributes.get(CallStatusKey), 'ringing');
  const runs = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = 'call-${roomName}'` })) runs.push(run);
  assert.equal(runs.length, 1, 'one workflow run for two start requests');

  const stored = await call('GET', `/api/calls/${roomName}`);
  assert.equal(stored.body.status, 'ringing');
  assert.equal(stored.body.callerNumber, '+442071838750');
  await handle.terminate('test over');
});

test('a call to an unknown number or an unpublished flow is refused with the reason', async () => {
  const unknown = await call('POST', '/api/calls', { roomName: 'r1', calledNumber: '+14155550199' });
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /no phone trigger/);

  const created = await call('POST', '/api/flows', { name: 'Unpublished' });
  await call('POST', '/api/phone-triggers', { phoneNumber: '+14155550177', flowId: created.body.id });
  const unpublished = await call('POST', '/api/calls', { roomName: 'r2', calledNumber: '+14155550177' });
  assert.equal(unpublished.status, 409);
  assert.equal(unpublished.body.error.code, 'notPublished');
});

test('node type declarations are served as JSON Schema for the canvas', async () => {
  const types = await call('GET', '/api/node-types');
  assert.deepEqual(types.body.map((type: { type: string }) => type.type), [
    'greet',
    'play',
    'listen',
    'menu',
    'branch',
    'setVariable',
    'httpRequest',
    'businessHours',
    'transfer',
    'recordVoicemail',
    'aiAgent',
    'hangup',
    'placeholder',
  ]);
  const menu = types.body.find((type: { type: string }) => type.type === 'menu');
  assert.equal(menu.label, 'Menu');
  assert.ok(menu.config.properties.options);
});

test('audio files: a WAV uploads (stereo 8-bit mixed to mono 16-bit), plays back, and play nodes must name one that exists', async () => {
  const rate = 8000;
  const left = Array.from({ length: rate }, (_, i) => Math.round(128 + 100 * Math.sin((2 * Math.PI * 440 * i) / rate)));
  const wav = new WaveFile();
  wav.fromScratch(2, rate, '8', [left, left]);
  const upload = await fetch(`${base}/api/assets?name=${encodeURIComponent('Hold music')}`, { method: 'POST', headers: { ...auth, 'content-type': 'audio/wav' }, body: Buffer.from(wav.toBuffer()) });
  assert.equal(upload.status, 201);
  const asset = (await upload.json()) as any;
  assert.deepEqual([asset.name, asset.sampleRate, asset.durationMs], ['Hold music', 8000, 1000]);

  const audio = await fetch(`${base}/api/assets/${asset.id}/audio`, { headers: auth });
  assert.equal(audio.headers.get('content-type'), 'audio/wav');
  const back = new WaveFile(new Uint8Array(await audio.arrayBuffer()));
  assert.deepEqual([(back.fmt as any).numChannels, back.bitDepth, (back.getSamples(false) as any).length], [1, '16', 8000]);

  const notWav = await fetch(`${base}/api/assets?name=x`, { method: 'POST', headers: { ...auth, 'content-type': 'audio/wav' }, body: 'hello' });
  assert.equal(notWav.status, 415);
  assert.match(((await notWav.json()) as any).error.message, /Not a WAV file/);

  const graph = (assetId: string) => ({
    start: 'music',
    nodes: [
      { id: 'music', type: 'play', config: { assetId } },
      { id: 'bye', type: 'hangup', config: {} },
    ],
    edges: [{ from: 'music', exit: 'next', to: 'bye' }],
  });
  const flow = await call('POST', '/api/flows', { name: 'Music', graph: graph('11111111-1111-4111-8111-111111111111') });
  const refused = await call('POST', `/api/flows/${flow.body.id}/versions`, {});
  assert.equal(refused.status, 422);
  assert.deepEqual(refused.body.error.details.map((problem: any) => [problem.code, problem.nodeId, problem.field]), [['unknownAsset', 'music', 'assetId']]);
  await call('PUT', `/api/flows/${flow.body.id}/draft`, { graph: graph(asset.id) });
  assert.equal((await call('POST', `/api/flows/${flow.body.id}/versions`, {})).status, 201);
});

test('workspace settings: private network access for HTTP request nodes is off until turned on', async () => {
  assert.equal((await call('GET', '/api/workspace')).body.settings.allowPrivateNetwork, undefined);
  const on = await call('PATCH', '/api/workspace', { settings: { allowPrivateNetwork: true } });
  assert.equal(on.body.settings.allowPrivateNetwork, true);
  const unknown = await call('PATCH', '/api/workspace', { settings: { allowEverything: true } });
  assert.equal(unknown.status, 400);
  await call('PATCH', '/api/workspace', { settings: { allowPrivateNetwork: false } });
});
