/** POST /api/flows/import against real PostgreSQL: a Studio export becomes a draft, a report and an audit entry. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditLog } from '../db/schema';
import { createLogger } from '../lib/logger';
import { LocalBlobStore } from '../lib/blob-store';
import { generatePrivacyKeys } from '../lib/privacy/keys';
import { artifactsDir } from '../test/support/artifacts';
import { createTestAccount, type TestAccount } from '../test/support/auth';
import { createTestDatabase } from '../test/support/database';
import { startTestTemporal } from '../test/support/temporal';
import { createApp } from './app';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../packages/flow-model/src/import/fixtures/${name}`, import.meta.url), 'utf8'));

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: Server;
let base: string;
let builder: TestAccount;
let viewer: TestAccount;

before(async () => {
  [env, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  const app = createApp({
    db: database.db,
    temporal: env.client,
    logger: createLogger('api-test', process.env.API_TEST_LOG_LEVEL ?? 'silent'),
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    privacy: generatePrivacyKeys(),
    blobs: new LocalBlobStore(`${artifactsDir}api-storage-${process.pid}`),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  builder = await createTestAccount(database.db, { role: 'builder' });
  viewer = await createTestAccount(database.db, { role: 'viewer' });
});
after(async () => {
  server?.close();
  await database?.drop();
  await env?.teardown();
});

async function post(body: unknown, account = builder) {
  const response = await fetch(`${base}/api/flows/import`, {
    method: 'POST',
    headers: { ...account.headers, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

test('a builder imports a Studio IVR: a draft that validates, with its layout, a report and an audit entry', async () => {
  const { status, body } = await post({ definition: fixture('ivr-gather-split.json') });
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.flow.name, 'IVR');
  assert.deepEqual(body.flow.draftProblems, []);
  assert.equal(body.flow.draftGraph.start, 'gather_input');
  assert.deepEqual(body.flow.draftLayout.nodes.gather_input, { x: 377, y: 375 });
  assert.equal(body.report.placeholders, 0);
  assert.ok(body.report.lines.some((line: any) => line.widget === 'split_key_press' && line.outcome === 'merged'));

  // The draft is a flow like any other: it reads back and publishes.
  const read = (await fetch(`${base}/api/flows/${body.flow.id}`, { headers: builder.headers }).then((response) => response.json())) as any;
  assert.equal(read.draftGraph.nodes.find((node: any) => node.id === 'gather_input').type, 'menu');
  const published = await fetch(`${base}/api/flows/${body.flow.id}/versions`, { method: 'POST', headers: { ...builder.headers, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(published.status, 201);

  const [entry] = await database.db.select().from(auditLog).where(and(eq(auditLog.action, 'flow.import'), eq(auditLog.target, body.flow.id)));
  assert.ok(entry, 'the import is in the audit log');
  assert.match(entry.actor, /^apiKey:/);
  assert.deepEqual(entry.details, { source: 'twilio-studio', widgets: 10, converted: 7, placeholders: 0, skipped: 0 });
});

test('placeholders are reported and the draft cannot be published until they are replaced', async () => {
  const { status, body } = await post({ name: 'Support line', definition: fixture('unsupported.json') });
  assert.equal(status, 201);
  assert.equal(body.flow.name, 'Support line');
  assert.equal(body.report.placeholders, 6);
  assert.ok(body.flow.draftProblems.some((problem: any) => problem.nodeId === 'to_agent' && /send-to-flex/.test(problem.message)));
  const published = await fetch(`${base}/api/flows/${body.flow.id}/versions`, { method: 'POST', headers: { ...builder.headers, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(published.status, 422);
  const refusal = (await published.json()) as any;
  assert.ok(refusal.error.details.some((problem: any) => problem.nodeId === 'pay' && /capture-payments/.test(problem.message)));
});

test("Studio's Flow resource (REST API) is accepted and named after its friendly_name", async () => {
  const { status, body } = await post({ definition: fixture('http-lookup.json') });
  assert.equal(status, 201);
  assert.equal(body.flow.name, 'Customer lookup');
  assert.deepEqual(body.flow.draftProblems, []);
});

test('bad input is refused with a message saying where, and nothing is stored', async () => {
  const before = (await fetch(`${base}/api/flows`, { headers: builder.headers }).then((response) => response.json())) as unknown[];

  const missing = await post({});
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.message, /definition: Send the Studio flow definition/);

  const badWidget = await post({ definition: { initial_state: 'Trigger', states: [{ name: 'Trigger', type: 'trigger' }, { name: 'x', type: 'say-play', transitions: [{ next: 'y' }] }] } });
  assert.equal(badWidget.status, 422);
  assert.equal(badWidget.body.error.code, 'invalidStudioFlow');
  assert.match(badWidget.body.error.message, /at states\.1\.transitions\.0\.event/);

  const smsOnly = await post({ definition: { initial_state: 'Trigger', states: [{ name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingMessage', next: 'x' }] }] } });
  assert.equal(smsOnly.status, 422);
  assert.match(smsOnly.body.error.message, /does not handle incoming calls/);

  const wrongSource = await post({ source: 'genesys', definition: fixture('ivr-gather-split.json') });
  assert.equal(wrongSource.status, 400);
  assert.match(wrongSource.body.error.message, /source: The source is 'twilio-studio'/);

  const notJson = await post('{"definition": ');
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.error.code, 'invalidJson');

  const after = (await fetch(`${base}/api/flows`, { headers: builder.headers }).then((response) => response.json())) as unknown[];
  assert.equal(after.length, before.length);
});

test('a viewer cannot import', async () => {
  const { status } = await post({ definition: fixture('ivr-gather-split.json') }, viewer);
  assert.equal(status, 403);
});
