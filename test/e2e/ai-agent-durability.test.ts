// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers and worker processes): an AI agent conversation survives
 * - a media worker killed with SIGKILL while the agent is speaking: another worker takes the call
 *   over, the model is asked again with the same conversation (the caller hears that answer again,
 *   once), and the conversation goes on to its outcome with every turn intact;
 * - the flow worker killed with SIGKILL mid-conversation: a new one rebuilds the conversation from
 *   the workflow history, and the model is never asked twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { dispose } from '@livekit/rtc-node';
import { appointmentAgentSample } from '@switchboard/flow-model';
import { createApp } from '../../api/app';
import { createLogger } from '../../lib/logger';
import { LocalBlobStore } from '../../lib/blob-store';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { startFakeChatCompletions, type FakeChatServer } from '../../activities/media/providers/testing/fake-chat-completions';
import { createTestAccount } from '../support/auth';
import { artifactsDir } from '../support/artifacts';
import { createTestDatabase } from '../support/database';
import { freePort, startProcess, type WorkerProcess } from '../support/processes';
import { quietRuntime, uniqueName } from '../support/temporal';
// @ts-expect-error plain .mjs helper without types
import { startLiveKit, startTemporal } from '../../scripts/lib/services.mjs';
import { generatePrivacyEnv, readPrivacyKeys } from '../../lib/privacy/keys';
import { encryptingDataConverter } from '../../lib/privacy/payload-codec';
import { EncryptedBlobStore } from '../../lib/privacy/encrypted-blob-store';

type Service = { stop(): Promise<void> };
let dir: string;
let temporal: Service & { address: string };
let liveKit: Service & { url: string; apiKey: string; apiSecret: string };
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let connection: Connection;
let client: Client;
let server: Server;
let api: string;
let auth: Record<string, string>;
let env: Record<string, string>;
let model: FakeChatServer;
const processes = new Set<WorkerProcess>();

before(async () => {
  quietRuntime();
  dir = await mkdtemp(join(tmpdir(), 'sb-agent-durability-'));
  const port = await freePort();
  [temporal, liveKit, database, model] = await Promise.all([
    startTemporal({ port, headless: true, dbFile: join(dir, 'temporal.db'), logFile: `${artifactsDir}temporal-agent-durability.log` }),
    startLiveKit({ logFile: `${artifactsDir}livekit-agent-durability.log` }),
    createTestDatabase(),
    startFakeChatCompletions({ apiKey: 'sk-worker-key', firstTokenDelayMs: 200, chunkDelayMs: 40 }),
  ]);
  connection = await Connection.connect({ address: temporal.address });
  const privacyEnv = generatePrivacyEnv();
  const privacy = readPrivacyKeys(privacyEnv);
  client = new Client({ connection, dataConverter: encryptingDataConverter(privacy.payloadKeys) });
  const app = createApp({ db: database.db, temporal: client, logger: createLogger('api', 'silent'), temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default', privacy, blobs: new EncryptedBlobStore(new LocalBlobStore(join(dir, 'storage')), privacy.storageKeys) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = (await createTestAccount(database.db)).headers;
  env = {
    TEMPORAL_ADDRESS: temporal.address,
    LIVEKIT_URL: liveKit.url,
    LIVEKIT_API_KEY: liveKit.apiKey,
    LIVEKIT_API_SECRET: liveKit.apiSecret,
    DATABASE_URL: database.url,
    SWITCHBOARD_STORAGE_DIR: join(dir, 'storage'),
    SWITCHBOARD_SECRET_KEY_FILE: join(dir, 'secret.key'),
    // No key stored in the workspace: the media workers' own.
    LLM_BASE_URL: `${model.url}/v1`,
    LLM_API_KEY: 'sk-worker-key',
    ...privacyEnv,
  };
  const flow = await post('/api/flows', { name: appointmentAgentSample.name, graph: appointmentAgentSample.graph });
  await post(`/api/flows/${flow.id}/versions`, {});
  await post('/api/phone-triggers', { phoneNumber: '+14155550146', flowId: flow.id });
});

after(async () => {
  for (const worker of processes) worker.child.kill('SIGKILL');
  server?.close();
  await connection?.close();
  await Promise.allSettled([temporal?.stop(), liveKit?.stop(), database?.drop(), model?.close()]);
  await rm(dir, { recursive: true, force: true });
  await dispose();
});

async function post(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${api}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  assert.ok(response.ok, `${path}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * The booking model: it saves the day with `firstAnswer`, then the hour and finishes `booked`. It
 * answers from the conversation so far, so the same conversation asked again gets the same answer.
 */
function bookingModel(firstAnswer: string): NonNullable<typeof model.options.respond> {
  return (body) => {
    const saved = body.messages.filter((message) => message.role === 'tool').map((message) => message.content).join(' ');
    if (!saved.includes('Saved day')) return { text: firstAnswer, toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] };
    return { text: 'You are booked in.', toolCalls: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }, { name: 'finish', arguments: { outcome: 'booked' } }] };
  };
}

async function track(promise: Promise<WorkerProcess>): Promise<WorkerProcess> {
  const worker = await promise;
  processes.add(worker);
  void worker.exited.then(() => processes.delete(worker));
  return worker;
}

test('a media worker killed while the agent speaks: the call moves, the answer is said again, the conversation is intact', async () => {
  const flowWorker = await track(startProcess('workers/flow-worker.ts', env, 'FLOW_WORKER_HEALTH_PORT'));
  const workers = [
    await track(startProcess('workers/media-worker.ts', env, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 })),
    await track(startProcess('workers/media-worker.ts', env, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 })),
  ];
  const answer = 'Tuesday is fine. We have free hours that day from nine in the morning until five in the afternoon. Which hour would you like to come in?';
  // Answers follow from the conversation so far: the same conversation asked again gets the same answer.
  model.options.respond = bookingModel(answer);
  let resolveAnswerStarted: () => void;
  const answerStarted = new Promise<void>((resolve) => (resolveAnswerStarted = resolve));
  const roomName = uniqueName('agent-durable');
  const caller = runVirtualCaller({
    ...liveKit,
    roomName,
    silenceHangoverMs: 1200,
    maxDurationMs: 90_000,
    script: [
      { say: 'tuesday', after: 'promptEnd', promptIndex: 0 }, // after the greeting
      // Prompt 1 is the answer cut off by the kill; prompt 2 the same answer from the next worker.
      { say: 'ten', after: 'promptEnd', promptIndex: 2 },
      { waitForPrompt: true, promptIndex: 3 },
    ],
    onEvent: (event) => event.type === 'promptStarted' && event.index === 1 && resolveAnswerStarted(),
  });
  const call = await post('/api/calls', { roomName, calledNumber: '+14155550146', media: { heartbeatTimeoutMs: 2000, scheduleToStartTimeoutMs: 2000 } });
  await answerStarted;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const current: any = await (await fetch(`${api}/api/calls/${encodeURIComponent(call.callId)}`, { headers: auth })).json();
  const owner = current.events.find((event: any) => event.type === 'mediaAttached').data.workerId as string;
  const killed = workers.find((worker) => owner.includes(`-${worker.child.pid}-`));
  assert.ok(killed, `owner ${owner} is one of the worker processes`);
  killed.child.kill('SIGKILL');

  const heard = await caller;
  const result = await client.workflow.getHandle(call.workflowId).result();
  const record: any = await (await fetch(`${api}/api/calls/${encodeURIComponent(call.callId)}`, { headers: auth })).json();
  const events = record.events as Array<{ type: string; nodeId: string | null; data: any }>;
  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);
  assert.deepEqual(events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId), ['agent', 'confirm']);
  const lost = events.find((event) => event.type === 'mediaLost');
  assert.equal(lost?.nodeId, 'agent', 'the agent was speaking when its worker died');
  const attached = events.filter((event) => event.type === 'mediaAttached').map((event) => event.data.workerId);
  assert.equal(attached.length, 2);
  assert.notEqual(attached[0], attached[1]);
  // The lost answer was asked for again with exactly the same conversation, then the conversation went on.
  assert.ok(model.bodies.length >= 3, `${model.bodies.length} model calls`);
  assert.deepEqual(model.bodies[1]!.messages, model.bodies[0]!.messages);
  const last = model.bodies.at(-1)!.messages;
  assert.deepEqual(last.slice(0, model.bodies[1]!.messages.length), model.bodies[1]!.messages);
  assert.deepEqual(
    last.map((message) => message.role),
    ['system', 'assistant', 'user', 'assistant', 'tool', 'user'],
  );
  assert.equal(last[3]?.content, answer, 'the answer the caller heard in full on the second worker');
  const ended = events.find((event) => event.type === 'callEnded')!.data.variables as Record<string, string>;
  assert.equal(ended['flow.day'], 'tuesday');
  assert.equal(ended['flow.hour'], '10');
  for (const worker of workers) if (worker !== killed) worker.child.kill('SIGTERM');
  flowWorker.child.kill('SIGTERM');
  await Promise.all([...processes].map((worker) => worker.exited));
});

test('the flow worker killed mid-conversation: a new one replays the conversation from the history and the booking completes', async () => {
  const firstFlowWorker = await track(startProcess('workers/flow-worker.ts', env, 'FLOW_WORKER_HEALTH_PORT'));
  const mediaWorker = await track(startProcess('workers/media-worker.ts', env, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 }));
  model.bodies.length = 0;
  model.options.respond = bookingModel('Tuesday is fine. Which hour would you like to come in?');
  let resolveAnswerStarted: () => void;
  const answerStarted = new Promise<void>((resolve) => (resolveAnswerStarted = resolve));
  const roomName = uniqueName('agent-flow-worker');
  const caller = runVirtualCaller({
    ...liveKit,
    roomName,
    silenceHangoverMs: 1200,
    maxDurationMs: 90_000,
    script: [{ say: 'tuesday', after: 'promptEnd', promptIndex: 0 }, { say: 'ten', after: 'promptEnd', promptIndex: 1 }, { waitForPrompt: true, promptIndex: 2 }],
    onEvent: (event) => event.type === 'promptStarted' && event.index === 1 && resolveAnswerStarted(),
  });
  const call = await post('/api/calls', { roomName, calledNumber: '+14155550146' });
  // While the agent answers (its activity runs on the media worker), the flow worker dies; another starts.
  await answerStarted;
  firstFlowWorker.child.kill('SIGKILL');
  await firstFlowWorker.exited;
  const secondFlowWorker = await track(startProcess('workers/flow-worker.ts', env, 'FLOW_WORKER_HEALTH_PORT'));

  const heard = await caller;
  const result = await client.workflow.getHandle(call.workflowId).result();
  const record: any = await (await fetch(`${api}/api/calls/${encodeURIComponent(call.callId)}`, { headers: auth })).json();
  const events = record.events as Array<{ type: string; nodeId: string | null; data: any }>;
  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);
  assert.deepEqual(events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId), ['agent', 'confirm']);
  // Nothing was asked twice: the new flow worker rebuilt the conversation from the history.
  assert.equal(model.bodies.length, 2);
  assert.deepEqual(model.bodies[1]!.messages.map((message) => message.role), ['system', 'assistant', 'user', 'assistant', 'tool', 'user']);
  const ended = events.find((event) => event.type === 'callEnded')!.data.variables as Record<string, string>;
  assert.equal(ended['flow.day'], 'tuesday');
  assert.equal(ended['flow.hour'], '10');
  mediaWorker.child.kill('SIGTERM');
  secondFlowWorker.child.kill('SIGTERM');
  await Promise.all([...processes].map((worker) => worker.exited));
});
