/**
 * Two workspaces on the real stack (PostgreSQL, a Temporal dev server, the express app), shared by
 * the access test (api/access.test.ts) and the attack suite (api/attack.test.ts): A holds one of
 * everything, B is an outsider. Route helpers name A's resources so any route can be called.
 * One fixture per test process (node:test runs each file in its own).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import wavefile from 'wavefile';
import { salesSupportSample } from '@switchboard/flow-model';
import { createCallActivities } from '../../activities/calls/activities';
import { calls, DEFAULT_WORKSPACE_ID, recordings, workspaces } from '../../db/schema';
import { LocalBlobStore, recordingKey } from '../../lib/blob-store';
import { createLogger, type Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { generatePrivacyKeys } from '../../lib/privacy/keys';
import { createApp, type AppDeps } from '../../api/app';
import { operations, requiredRole } from '../../api/openapi';
import { artifactsDir } from './artifacts';
import { createTestAccount, createTestWorkspace, type TestAccount } from './auth';
import { createTestDatabase } from './database';
import { startTestTemporal, uniqueName, workflowBundle } from './temporal';
import { Worker } from '@temporalio/worker';
import { whatIfReplay } from '../../workflows/what-if';
import { runnable } from './scripted-call';

export const privacy = generatePrivacyKeys();

const { WaveFile } = wavefile;
// The Telnyx routes reach a closed port, not the real Telnyx, whatever key a workspace stores.
process.env.TELNYX_API_BASE_URL = 'http://127.0.0.1:9/v2';

export let env: TestWorkflowEnvironment;
export let database: Awaited<ReturnType<typeof createTestDatabase>>;
export let server: Server;
export let base: string;
export let app: ReturnType<typeof createApp>;
export const secretKey = randomBytes(32);
export let blobs: LocalBlobStore;

/** Workspace A (the default one): an owner, a builder and a viewer; workspace B: an owner. */
export let ownerA: TestAccount;
export let builderA: TestAccount;
export let viewerA: TestAccount;
export let ownerB: TestAccount;
/** A's resources, by the route parameter that names them. */
export const a = {
  flowId: '',
  triggerId: '',
  doNotCallId: '',
  blockedNumber: '+14155550998',
  assetId: '',
  recordingId: 'rec-alpha-1',
  callId: 'call-alpha-1',
  /** A finished what-if run of A's flow (no calls replayed). */
  whatIfRunId: '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5',
  apiKeyId: '',
  apiKeySecret: '',
  // Not +14155550123: error messages give that one as an example of the format.
  phoneNumber: '+14155550166',
  callerNumber: '+14155550999',
  flowName: 'Alpha secret flow',
  assetName: 'Alpha hold music',
  workspaceName: 'Alpha Inc',
  said: 'alpha caller said the secret word',
  // Ends in letters no id, key or timestamp can hold, so finding its last 4 in an answer means a leak.
  telnyxSecret: 'KEYALPHA-telnyx-secret-0123456789-qrst',
};

/** Routes anyone may call (how one signs in, health, metrics, and Telnyx's and LiveKit's signed webhooks). */
export const PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /api/telnyx/webhooks',
  'POST /api/livekit/webhooks',
  'GET /api/auth/session',
  'POST /api/auth/setup',
  'POST /api/auth/sign-in',
  'POST /api/auth/sign-out',
];
/** The role the API reference documents for a route (api/openapi.ts); the test proves the app enforces exactly it. */
export function documentedRole(route: { method: string; path: string }) {
  const op = operations.find((candidate) => candidate.method.toUpperCase() === route.method && candidate.path === route.path);
  assert.ok(op, `${route.method} ${route.path} is in api/openapi.ts`);
  return requiredRole(op);
}

export function wav(): Buffer {
  const file = new WaveFile();
  file.fromScratch(1, 8000, '16', new Int16Array(800).fill(1000));
  return Buffer.from(file.toBuffer());
}

export async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const raw = Buffer.isBuffer(options.body);
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': raw ? 'audio/wav' : 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: raw ? (options.body as Buffer) : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

export let logger: Logger;

/**
 * Starts Temporal, a fresh database and the API, then creates workspace A (the default one: an
 * owner, a builder, a viewer, and a flow, trigger, call with events and recordings, asset, API key
 * and Telnyx key, all made as A's owner would) and workspace B (an owner).
 */
export async function startTwoWorkspaces(name: string, deps: Partial<AppDeps> = {}): Promise<void> {
  blobs = new LocalBlobStore(`${artifactsDir}${name}-storage-${process.pid}`);
  [env, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  logger = createLogger(`${name}-test`, process.env.API_TEST_LOG_LEVEL ?? 'silent');
  app = createApp({ db: database.db, temporal: env.client, logger, temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default', blobs, privacy, secretKey, rateLimits: { api: 100_000, webhooks: 100_000, signIn: 1000 }, metrics: createMetricsRegistry('api'), ...deps });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await database.db.update(workspaces).set({ name: a.workspaceName }).where(eq(workspaces.id, DEFAULT_WORKSPACE_ID));
  ownerA = await createTestAccount(database.db, { role: 'owner', email: 'owner@alpha.test' });
  builderA = await createTestAccount(database.db, { role: 'builder', email: 'builder@alpha.test' });
  viewerA = await createTestAccount(database.db, { role: 'viewer', email: 'viewer@alpha.test' });
  ownerB = await createTestWorkspace(database.db, 'Beta LLC');

  // Workspace A's data, made through the API as its owner would.
  const as = { headers: ownerA.headers };
  const flow = await call('POST', '/api/flows', { ...as, body: { name: a.flowName, graph: salesSupportSample.graph, layout: salesSupportSample.layout } });
  assert.equal(flow.status, 201, flow.text);
  a.flowId = flow.json.id;
  assert.equal((await call('POST', `/api/flows/${a.flowId}/versions`, { ...as, body: { note: 'v1' } })).status, 201);
  const trigger = await call('POST', '/api/phone-triggers', { ...as, body: { phoneNumber: a.phoneNumber, flowId: a.flowId } });
  assert.equal(trigger.status, 201, trigger.text);
  a.triggerId = trigger.json.id;
  const blocked = await call('POST', '/api/do-not-call', { ...as, body: { phoneNumber: a.blockedNumber } });
  assert.equal(blocked.status, 201, blocked.text);
  a.doNotCallId = blocked.json.id;
  const asset = await call('POST', `/api/assets?name=${encodeURIComponent(a.assetName)}`, { ...as, body: wav() });
  assert.equal(asset.status, 201, asset.text);
  a.assetId = asset.json.id;
  assert.equal((await call('PUT', '/api/credentials/telnyx', { ...as, body: { secret: a.telnyxSecret } })).status, 200);
  const key = await call('POST', '/api/api-keys', { ...as, body: { name: 'alpha automation', role: 'builder' } });
  assert.equal(key.status, 201, key.text);
  a.apiKeyId = key.json.id;
  a.apiKeySecret = key.json.secret;
  // A call with events and a recording, as the flow worker and media worker write them.
  await database.db.insert(calls).values({ id: a.callId, workspaceId: DEFAULT_WORKSPACE_ID, flowId: a.flowId, roomName: 'room-alpha', workflowId: `call-${a.callId}`, callerNumber: a.callerNumber, calledNumber: a.phoneNumber, status: 'completed', endReason: 'completed', endedAt: new Date() });
  await createCallActivities(database.db).recordCallEvents({
    callId: a.callId,
    workspaceId: DEFAULT_WORKSPACE_ID,
    events: [
      { seq: 1, type: 'callStarted', at: Date.now() },
      { seq: 2, type: 'callerSaid', nodeId: 'mainMenu', at: Date.now(), data: { text: a.said } },
    ],
  });
  await database.db.insert(recordings).values({ id: a.recordingId, workspaceId: DEFAULT_WORKSPACE_ID, callId: a.callId, kind: 'voicemail', durationMs: 100 });
  await blobs.put(recordingKey(a.recordingId), wav());
  // …and the call's own recording (GET /api/calls/:callId/recording), one part as a media worker saves it.
  await database.db.insert(recordings).values({ id: `${a.callId}-call-1`, workspaceId: DEFAULT_WORKSPACE_ID, callId: a.callId, kind: 'call', durationMs: 100 });
  await blobs.put(recordingKey(`${a.callId}-call-1`), wav());
  // A what-if run of A's flow, run to its end by the real workflow (nothing to replay).
  const taskQueue = uniqueName('what-if');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle() });
  await worker.runUntil(
    env.client.workflow.execute(whatIfReplay, {
      taskQueue,
      workflowId: `what-if-${a.whatIfRunId}`,
      args: [{ runId: a.whatIfRunId, workspaceId: DEFAULT_WORKSPACE_ID, flowId: a.flowId, flowVersion: 0, graph: runnable(salesSupportSample.graph), calls: [], concurrency: 1, scriptedTaskQueue: taskQueue }],
    }),
  );
}

export async function stopTwoWorkspaces(): Promise<void> {
  server?.close();
  await database?.drop();
  await env?.teardown();
}

/** A concrete URL for a route, naming A's resources; a new parameter fails here until it is added. */
export function concrete(route: { method: string; path: string }): string {
  const byParam: Record<string, string> = { flowId: a.flowId, version: '1', callId: a.callId, provider: 'telnyx', runId: a.whatIfRunId };
  const byCollection: Record<string, string> = {
    assets: a.assetId,
    recordings: a.recordingId,
    'phone-triggers': a.triggerId,
    members: viewerA.userId,
    'api-keys': a.apiKeyId,
    'do-not-call': a.doNotCallId,
  };
  // Routes whose query is required: a well-formed one, so a refusal is about access, not the input.
  const byQuery: Record<string, string> = {
    'GET /api/privacy/export': `?number=${encodeURIComponent(a.callerNumber)}`,
    'GET /api/privacy/search-attribute': `?number=${encodeURIComponent(a.callerNumber)}`,
  };
  const path = route.path.replace(/:(\w+)/g, (_match, name: string, offset: number) => {
    const collection = route.path.slice(0, offset).split('/').filter(Boolean).at(-1) ?? '';
    const value = name === 'id' ? byCollection[collection] : byParam[name];
    assert.ok(value, `access test: add a sample of workspace A for :${name} in ${route.method} ${route.path}`);
    return encodeURIComponent(value);
  });
  return path + (byQuery[`${route.method} ${route.path}`] ?? '');
}

/** A well-formed body for each change, so a refusal is about access, not about the input. */
export function bodyFor(route: { method: string; path: string }): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/flows': { name: 'Made by B' },
    'POST /api/flows/validate': { graph: salesSupportSample.graph },
    'POST /api/flows/import': { name: 'Imported by B', definition: { initial_state: 'Trigger', states: [{ name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'hello' }] }, { name: 'hello', type: 'say-play', properties: { say: 'Imported by B' } }] } },
    'PUT /api/flows/:flowId/draft': { graph: { start: 'x', nodes: [{ id: 'x', type: 'hangup', config: {} }], edges: [] }, name: 'Hijacked' },
    'POST /api/flows/:flowId/versions': { note: 'published by B' },
    'POST /api/assets': wav(),
    'POST /api/prompts/preview': { text: ' ' }, // refused as empty: no media worker runs in this test
    'PATCH /api/workspace': { name: 'Renamed by B' },
    'POST /api/phone-triggers': { phoneNumber: '+14155550177', flowId: a.flowId },
    'PUT /api/phone-triggers/:id': { phoneNumber: a.phoneNumber, flowId: a.flowId, enabled: false },
    'POST /api/calls': { roomName: 'room-b', calledNumber: a.phoneNumber },
    'POST /api/members': { email: 'new-member@beta.test', name: 'New', password: 'a long password', role: 'viewer' },
    'PATCH /api/members/:id': { role: 'owner' },
    'POST /api/api-keys': { name: 'made by B' },
    'PUT /api/credentials/:provider': { secret: 'beta-secret-value' },
    'POST /api/do-not-call': { phoneNumber: '+14155550997' },
    // B erases "A's caller" in B, and sets B's retention: A's data must stay as it was.
    'POST /api/privacy/erase': { number: a.callerNumber },
    'PUT /api/privacy/retention': { retentionDays: 30 },
    'POST /api/temporal-codec/decode': { payloads: [] },
    'POST /api/temporal-codec/encode': { payloads: [] },
  };
  return bodies[`${route.method} ${route.path}`] ?? (route.method === 'DELETE' || route.method === 'GET' ? undefined : {});
}

/** Everything of workspace A that a request could change. */
export async function snapshotA(): Promise<string> {
  const tables = ['workspaces', 'flows', 'flow_versions', 'phone_triggers', 'calls', 'call_events', 'assets', 'recordings', 'users', 'credentials', 'audit_log', 'do_not_call'];
  const rows: Record<string, unknown> = {};
  for (const table of tables) {
    const column = table === 'workspaces' ? 'id' : 'workspace_id';
    rows[table] = (await database.pool.query(`select * from ${table} where ${column} = $1 order by 1`, [DEFAULT_WORKSPACE_ID])).rows;
  }
  rows.api_keys = (await database.pool.query(`select id, name, role, revoked_at from api_keys where workspace_id = $1 order by 1`, [DEFAULT_WORKSPACE_ID])).rows;
  rows.blobs = [Boolean(await blobs.get(`assets/${a.assetId}.wav`)), Boolean(await blobs.get(recordingKey(a.recordingId)))];
  return JSON.stringify(rows);
}

export const markersOfA = () => [a.flowId, a.flowName, a.triggerId, a.phoneNumber, a.callId, a.callerNumber, a.assetId, a.assetName, a.recordingId, a.said, a.workspaceName, viewerA.email, builderA.email, ownerA.email, a.apiKeyId, a.telnyxSecret.slice(-4), a.telnyxSecret, a.doNotCallId, a.blockedNumber];
