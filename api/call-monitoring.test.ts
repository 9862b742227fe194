/**
 * Call monitoring API on real PostgreSQL: history filters and pages, streamed exports, stats, and
 * the live event WebSocket (persist then deliver, resume without gaps or duplicates, workspaces).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { salesSupportSample } from '@switchboard/flow-model';
import { createCallActivities } from '../activities/calls/activities';
import type { CallEventRecord } from '../activities/calls/types';
import { calls, DEFAULT_WORKSPACE_ID, flows, workspaces } from '../db/schema';
import { LocalBlobStore } from '../lib/blob-store';
import { createLogger } from '../lib/logger';
import { artifactsDir } from '../test/support/artifacts';
import { createTestDatabase } from '../test/support/database';
import { startTestTemporal } from '../test/support/temporal';
import { createApp } from './app';
import { createTestAccount } from '../test/support/auth';
import { attachCallEventStream, TOO_MANY_CONNECTIONS, type CallEventStream } from './live/call-event-stream';
import type { LiveMessage } from '../lib/contracts/api-responses';
import { generatePrivacyKeys } from '../lib/privacy/keys';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: Server;
let live: CallEventStream;
let base: string;
let auth: Record<string, string>;
const OTHER_WORKSPACE = '00000000-0000-4000-8000-0000000000aa';

before(async () => {
  [env, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  const logger = createLogger('monitoring-test', process.env.API_TEST_LOG_LEVEL ?? 'silent');
  const app = createApp({
    db: database.db,
    temporal: env.client,
    logger,
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    privacy: generatePrivacyKeys(),
    blobs: new LocalBlobStore(`${artifactsDir}monitoring-storage-${process.pid}`),
    exportStallMs: 1000,
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = (await createTestAccount(database.db)).headers;
  // The stream's mechanics with a resolver chosen by header: the default workspace, a second one, or
  // refused. (api/access.test.ts covers the product's resolver: sessions and API keys.)
  const resolveWorkspace = (request: IncomingMessage) => {
    const asked = request.headers['x-test-workspace'];
    if (asked === 'none') return null;
    const workspaceId = asked === OTHER_WORKSPACE ? OTHER_WORKSPACE : DEFAULT_WORKSPACE_ID;
    const caller = request.headers['x-test-caller'];
    return typeof caller === 'string' ? { workspaceId, caller } : workspaceId;
  };
  // A long poll interval: delivery in these tests must come from NOTIFY, not from polling.
  live = attachCallEventStream(server, { pool: database.pool, logger, resolveWorkspace, pollIntervalMs: 60_000, fallbackPollIntervalMs: 60_000, batchSize: 7 });
  await database.db.insert(workspaces).values({ id: OTHER_WORKSPACE, name: 'Other' });
});
after(async () => {
  await live?.close();
  server?.close();
  await database?.drop();
  await env?.teardown();
});

async function getJson(path: string) {
  const response = await fetch(`${base}${path}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as any };
}

let flowIds: string[] = [];
async function seedFlows() {
  if (flowIds.length > 0) return flowIds;
  const rows = await database.db
    .insert(flows)
    .values([
      { workspaceId: DEFAULT_WORKSPACE_ID, name: 'Sales line', draftGraph: salesSupportSample.graph },
      { workspaceId: DEFAULT_WORKSPACE_ID, name: 'Support line', draftGraph: salesSupportSample.graph },
    ])
    .returning({ id: flows.id });
  flowIds = rows.map((row) => row.id);
  return flowIds;
}

interface Seeded {
  id: string;
  callerNumber: string;
  calledNumber: string;
  status: 'ringing' | 'active' | 'completed' | 'failed';
  flowId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** 40 calls over four days, two flows, every status, durations 0–390 s. */
async function seedHistory(): Promise<Seeded[]> {
  const [sales, support] = await seedFlows();
  const statuses = ['completed', 'failed', 'active', 'completed', 'ringing'] as const;
  const day0 = Date.parse('2026-03-01T08:00:00Z');
  const seeded: Seeded[] = Array.from({ length: 40 }, (_, i) => {
    const status = statuses[i % statuses.length]!;
    const startedAt = new Date(day0 + Math.floor(i / 10) * 86_400_000 + i * 60_000);
    const live = status === 'ringing' || status === 'active';
    return {
      id: `hist-${String(i).padStart(2, '0')}`,
      callerNumber: `+1415555${String(1000 + i)}`,
      calledNumber: i % 2 === 0 ? '+14155550100' : '+14155550200',
      status,
      flowId: (i % 3 === 0 ? support : sales)!,
      startedAt,
      endedAt: live ? null : new Date(startedAt.getTime() + i * 10_000),
    };
  });
  await database.db.insert(calls).values(
    seeded.map((call) => ({
      ...call,
      workspaceId: DEFAULT_WORKSPACE_ID,
      roomName: `room-${call.id}`,
      workflowId: `call-${call.id}`,
      endReason: call.status === 'completed' ? 'completed' : call.status === 'failed' ? 'mediaUnavailable' : null,
    })),
  );
  // A call of another workspace that no filter may ever return.
  await database.db.insert(calls).values({
    id: 'other-ws-call',
    workspaceId: OTHER_WORKSPACE,
    roomName: 'room-other',
    workflowId: 'call-other',
    callerNumber: '+14155551005',
    calledNumber: '+14155550100',
    startedAt: new Date(day0),
  });
  return seeded;
}

let history: Seeded[];
const durationOf = (call: Seeded) => (call.endedAt ?? new Date()).getTime() - call.startedAt.getTime();
const newestFirst = (a: Seeded, b: Seeded) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : -1);

test('history filters by number, status, flow, date range and duration, and searches', async () => {
  history = await seedHistory();
  const [sales, support] = flowIds;
  const cases: { query: string; expect: (call: Seeded) => boolean }[] = [
    { query: '', expect: () => true },
    { query: 'number=1005', expect: (c) => c.callerNumber.includes('1005') },
    { query: 'number=%2B1%20415%20555%200200', expect: (c) => c.calledNumber === '+14155550200' },
    { query: 'status=completed', expect: (c) => c.status === 'completed' },
    { query: 'status=live', expect: (c) => c.status === 'ringing' || c.status === 'active' },
    { query: 'status=failed&status=ringing', expect: (c) => c.status === 'failed' || c.status === 'ringing' },
    { query: `flowId=${support}`, expect: (c) => c.flowId === support },
    { query: `flowId=${sales}&status=completed`, expect: (c) => c.flowId === sales && c.status === 'completed' },
    {
      query: 'from=2026-03-02T00:00:00Z&to=2026-03-03T23:59:59Z',
      expect: (c) => c.startedAt >= new Date('2026-03-02T00:00:00Z') && c.startedAt <= new Date('2026-03-03T23:59:59Z'),
    },
    { query: 'minDurationMs=100000&maxDurationMs=200000', expect: (c) => c.endedAt !== null && durationOf(c) >= 100_000 && durationOf(c) <= 200_000 },
    { query: 'q=hist-3', expect: (c) => c.id.startsWith('hist-3') },
    { query: 'q=555%201012', expect: (c) => c.callerNumber.includes('5551012') },
  ];
  for (const { query, expect } of cases) {
    const expected = history.filter(expect).sort(newestFirst).map((c) => c.id);
    assert.ok(expected.length > 0 || query.includes('q='), `case ${query} selects something`);
    const { status, body } = await getJson(`/api/call-history?limit=200&${query}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.calls.map((c: { id: string }) => c.id),
      expected,
      `filter ${query || '(none)'}`,
    );
    assert.equal(body.total, expected.length);
  }
  const row = (await getJson('/api/call-history?q=hist-08')).body.calls[0];
  assert.equal(row.flowName, 'Sales line');
  assert.equal(row.durationMs, 80_000);
  assert.match(row.temporalUrl, /\/workflows\/call-hist-08$/);
});

test('history pages: pages joined are the whole ordered list, with the total on each', async () => {
  const expected = [...history].sort(newestFirst).map((c) => c.id);
  const seen: string[] = [];
  for (let offset = 0; offset < expected.length + 9; offset += 9) {
    const { body } = await getJson(`/api/call-history?limit=9&offset=${offset}`);
    assert.equal(body.total, expected.length);
    assert.ok(body.calls.length <= 9);
    seen.push(...body.calls.map((c: { id: string }) => c.id));
  }
  assert.deepEqual(seen, expected);
});

test('history refuses bad filters with a 400 naming the field', async () => {
  for (const [query, field] of [
    ['status=sleeping', 'status'],
    ['from=yesterday', 'from'],
    ['flowId=abc', 'flowId'],
    ['minDurationMs=-5', 'minDurationMs'],
    ['minDurationMs=10&maxDurationMs=5', 'minDurationMs'],
    ['limit=0', 'limit'],
  ] as const) {
    const { status, body } = await getJson(`/api/call-history?${query}`);
    assert.equal(status, 400, query);
    assert.equal(body.error.code, 'invalidRequest');
    assert.ok(
      body.error.details.some((detail: { field: string }) => detail.field.startsWith(field)),
      `${query}: ${JSON.stringify(body.error.details)}`,
    );
  }
  const exported = await fetch(`${base}/api/call-history/export.csv?status=nope`, { headers: auth });
  assert.equal(exported.status, 400);
});

/** The rows the exports must equal, read straight from the database. */
async function databaseRows(where: string) {
  const result = await database.pool.query(
    `select c.id, c.started_at, c.answered_at, c.ended_at, c.caller_number, c.called_number, c.flow_id, f.name as flow_name,
            c.flow_version, c.status, c.end_reason, c.current_node_id, c.test
       from calls c left join flows f on f.id = c.flow_id
      where c.workspace_id = $1 and ${where}
      order by c.started_at desc, c.id desc`,
    [DEFAULT_WORKSPACE_ID],
  );
  return result.rows.map((r) => ({
    id: r.id,
    startedAt: r.started_at.toISOString(),
    answeredAt: r.answered_at?.toISOString() ?? null,
    endedAt: r.ended_at?.toISOString() ?? null,
    callerNumber: r.caller_number,
    calledNumber: r.called_number,
    flowId: r.flow_id,
    flowName: r.flow_name,
    flowVersion: r.flow_version,
    status: r.status,
    endReason: r.end_reason,
    lastNodeId: r.current_node_id,
    test: r.test,
  }));
}

test('JSON and CSV exports contain exactly the filtered database rows', async () => {
  const [, support] = flowIds;
  const expected = await databaseRows(`c.flow_id = '${support}' and c.status in ('completed', 'failed')`);
  assert.ok(expected.length >= 4);

  const json = await fetch(`${base}/api/call-history/export.json?flowId=${support}&status=completed&status=failed`, { headers: auth });
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-disposition') ?? '', /attachment; filename="calls-.*\.json"/);
  const exported = (await json.json()) as Record<string, unknown>[];
  assert.deepEqual(
    exported.map(({ durationMs, ...rest }) => {
      assert.equal(typeof durationMs, 'number');
      return rest;
    }),
    expected,
  );

  const csv = await fetch(`${base}/api/call-history/export.csv?flowId=${support}&status=completed&status=failed`, { headers: auth });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  const records = parseCsv(await csv.text(), { columns: true }) as Record<string, string>[];
  assert.deepEqual(
    records.map(({ durationMs: _d, ...rest }) => rest),
    expected.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? '' : String(value)]))),
  );
  const empty = await fetch(`${base}/api/call-history/export.json?q=nothing-matches-this`, { headers: auth });
  assert.deepEqual(await empty.json(), []);
});

test('a large export streams every row (20 000 calls)', async () => {
  await database.pool.query(
    `insert into calls (id, workspace_id, room_name, workflow_id, caller_number, called_number, status, started_at, ended_at, end_reason)
     select 'bulk-' || g, $1, 'room-bulk-' || g, 'call-bulk-' || g, '+1202555' || lpad(g::text, 4, '0'), '+14155550300', 'completed',
            timestamptz '2025-01-01' + g * interval '1 minute', timestamptz '2025-01-01' + g * interval '1 minute' + interval '30 seconds', 'completed'
       from generate_series(1, 20000) g`,
    [DEFAULT_WORKSPACE_ID],
  );
  const response = await fetch(`${base}/api/call-history/export.csv?number=4155550300`, { headers: auth });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-length'), null, 'streamed, not buffered');
  const text = await response.text();
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 20_001);
  assert.match(lines[1] ?? '', /^bulk-20000,2025-01-14T21:20:00.000Z,,2025-01-14T21:20:30.000Z,30000,\+12025552000,\+14155550300/);
  await database.pool.query(`delete from calls where id like 'bulk-%'`);
});

test('test calls and test runs are left out of history and stats unless asked for', async () => {
  const startedAt = new Date('2026-07-04T12:00:00Z');
  const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
  await database.db.insert(calls).values([
    { id: 'tests-real', workspaceId: DEFAULT_WORKSPACE_ID, roomName: 'tests-real', workflowId: 'call-tests-real', startedAt: at(0), endedAt: at(1), status: 'completed', endReason: 'completed' },
    { id: 'test-3b1c', workspaceId: DEFAULT_WORKSPACE_ID, roomName: 'test-3b1c', workflowId: 'call-test-3b1c', startedAt: at(2), endedAt: at(3), status: 'completed', endReason: 'completed', test: true },
    { id: 'test-run-9f2e', workspaceId: DEFAULT_WORKSPACE_ID, roomName: 'test-run-9f2e', workflowId: 'call-test-run-9f2e', startedAt: at(4), endedAt: at(5), status: 'completed', endReason: 'callerHungUp', test: true },
  ]);
  const range = `from=${at(0).toISOString()}&to=${at(10).toISOString()}`;
  const ids = async (extra: string) => {
    const { status, body } = await getJson(`/api/call-history?${range}${extra}`);
    assert.equal(status, 200, JSON.stringify(body));
    return (body.calls as { id: string; test: boolean }[]).map((call) => `${call.id}${call.test ? ' (test)' : ''}`);
  };
  assert.deepEqual(await ids(''), ['tests-real']);
  assert.deepEqual(await ids('&tests=exclude'), ['tests-real']);
  assert.deepEqual(await ids('&tests=include'), ['test-run-9f2e (test)', 'test-3b1c (test)', 'tests-real']);
  assert.deepEqual(await ids('&tests=only'), ['test-run-9f2e (test)', 'test-3b1c (test)']);
  const exported = (await (await fetch(`${base}/api/call-history/export.json?${range}&tests=only`, { headers: auth })).json()) as { id: string; test: boolean }[];
  assert.deepEqual(exported.map((row) => [row.id, row.test]), [['test-run-9f2e', true], ['test-3b1c', true]]);

  const stats = async (extra: string) => (await getJson(`/api/call-stats?${range}${extra}`)).body as { calls: number; completed: number; callerHungUp: number };
  assert.deepEqual(await stats('').then(({ calls: n, completed, callerHungUp }) => ({ n, completed, callerHungUp })), { n: 1, completed: 1, callerHungUp: 0 });
  assert.deepEqual(await stats('&tests=include').then(({ calls: n, completed, callerHungUp }) => ({ n, completed, callerHungUp })), { n: 3, completed: 2, callerHungUp: 1 });
  assert.deepEqual(await stats('&tests=only').then(({ calls: n, completed, callerHungUp }) => ({ n, completed, callerHungUp })), { n: 2, completed: 1, callerHungUp: 1 });

  const bad = await getJson(`/api/call-history?tests=yes`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /tests: must be 'exclude'/);
  await database.pool.query(`delete from calls where id in ('tests-real', 'test-3b1c', 'test-run-9f2e')`);
});

test('stats: calls per day, average duration, completion rate, drop-off by last node, keys versus speech', async () => {
  const [sales] = flowIds;
  const record = createCallActivities(database.db).recordCallEvents;
  const day = '2026-05-10T';
  const rows = [
    { id: 'st-1', end: 'completed', node: 'goodbye', input: 'digit' },
    { id: 'st-2', end: 'callerHungUp', node: 'mainMenu', input: 'digit' },
    { id: 'st-3', end: 'callerHungUp', node: 'mainMenu', input: 'callerSaid' },
    { id: 'st-4', end: 'callerHungUp', node: 'welcome', input: null },
  ];
  for (const [index, row] of rows.entries()) {
    const startedAt = Date.parse(`${day}10:0${index}:00Z`);
    await database.db.insert(calls).values({ id: row.id, workspaceId: DEFAULT_WORKSPACE_ID, flowId: sales, roomName: row.id, workflowId: `call-${row.id}`, startedAt: new Date(startedAt) });
    const events: CallEventRecord[] = [
      { seq: 1, type: 'callStarted', at: startedAt },
      { seq: 2, type: 'callAnswered', at: startedAt + 1000 },
      { seq: 3, type: 'nodeEntered', nodeId: 'welcome', at: startedAt + 1000, data: { type: 'greet', label: 'Welcome' } },
    ];
    if (row.node !== 'welcome') events.push({ seq: 4, type: 'nodeEntered', nodeId: 'mainMenu', at: startedAt + 3000, data: { type: 'menu', label: 'Main menu' } });
    if (row.input) events.push({ seq: 5, type: row.input as 'digit', nodeId: 'mainMenu', at: startedAt + 4000, data: {} });
    if (row.node === 'goodbye') events.push({ seq: 6, type: 'nodeEntered', nodeId: 'goodbye', at: startedAt + 5000, data: { type: 'hangup', label: 'Goodbye' } });
    events.push({ seq: 7, type: 'callEnded', nodeId: row.node, at: startedAt + 11_000 + index * 1000, data: { reason: row.end } });
    await record({ callId: row.id, workspaceId: DEFAULT_WORKSPACE_ID, events });
  }
  const { status, body } = await getJson(`/api/call-stats?from=${day}00:00:00Z&to=${day}23:59:59Z`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.calls, 4);
  assert.equal(body.completed, 1);
  assert.equal(body.callerHungUp, 3);
  assert.equal(body.completionRate, 0.25);
  assert.equal(body.averageDurationMs, (11_000 + 12_000 + 13_000 + 14_000) / 4);
  assert.deepEqual(body.perDay, [{ day: '2026-05-10', calls: 4, completed: 1, callerHungUp: 3 }]);
  assert.deepEqual(
    body.dropOff.map((d: Record<string, unknown>) => [d.nodeId, d.nodeLabel, d.hangUps]),
    [
      ['mainMenu', 'Main menu', 2],
      ['welcome', 'Welcome', 1],
    ],
  );
  assert.deepEqual(body.inputs, { digits: 2, speech: 1, callsWithDigits: 2, callsWithSpeech: 1 });
  assert.equal((await getJson('/api/call-stats?from=2026-05-11T00:00:00Z&to=2026-05-10T00:00:00Z')).status, 400);
});

// ---- live events ------------------------------------------------------------------------------

/** A WebSocket client that keeps every message. */
async function connect(query = '', headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/live${query}`, { headers });
  const messages: LiveMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const events = () => messages.flatMap((message) => (message.type === 'event' ? [message.event] : []));
  return {
    socket,
    messages,
    events,
    /** Waits until `predicate` holds (messages arrive by NOTIFY; the poll is a minute away). */
    async until(predicate: () => boolean, what: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}; have ${events().length} events`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.min(left, 200));
        });
      }
    },
    close: () => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : (socket.once('close', () => resolve()), socket.close()))),
  };
}

async function refusedWith(query: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/live${query}`, { headers });
  return new Promise<number>((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('open', () => reject(new Error('connection was accepted')));
    socket.once('error', () => undefined);
  });
}

async function liveCall(id: string, workspaceId = DEFAULT_WORKSPACE_ID) {
  await database.db.insert(calls).values({ id, workspaceId, roomName: id, workflowId: `call-${id}`, callerNumber: '+14155559999', calledNumber: '+14155550100' });
}
const eventsOf = (seqFrom: number, count: number, at = Date.now()): CallEventRecord[] =>
  Array.from({ length: count }, (_, i) => ({ seq: seqFrom + i, type: 'nodeEntered', nodeId: `n${seqFrom + i}`, at: at + i, data: { label: `Step ${seqFrom + i}` } }));

test('live: an event is delivered after it is stored, with the call it belongs to', async () => {
  await liveCall('live-1');
  const client = await connect();
  await client.until(() => client.messages.length > 0, 'ready');
  assert.equal(client.messages[0]?.type, 'ready');
  await createCallActivities(database.db).recordCallEvents({
    callId: 'live-1',
    workspaceId: DEFAULT_WORKSPACE_ID,
    events: [
      { seq: 1, type: 'callStarted', at: Date.now() },
      { seq: 2, type: 'callAnswered', at: Date.now() },
    ],
  });
  await client.until(() => client.events().length === 2, 'two events');
  const [first, second] = client.messages.slice(1) as [Extract<LiveMessage, { type: 'event' }>, Extract<LiveMessage, { type: 'event' }>];
  const stored = await database.pool.query(`select id from call_events where call_id = 'live-1' order by seq`);
  assert.deepEqual([first.event.id, second.event.id], stored.rows.map((r) => Number(r.id)));
  assert.equal(second.event.type, 'callAnswered');
  assert.equal(second.call.status, 'active', 'the call row was updated in the same transaction');
  assert.equal(second.call.callerNumber, '+14155559999');
  // A retried write stores nothing and delivers nothing.
  await createCallActivities(database.db).recordCallEvents({ callId: 'live-1', workspaceId: DEFAULT_WORKSPACE_ID, events: [{ seq: 2, type: 'callAnswered', at: Date.now() }] });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(client.events().length, 2);
  await client.close();
});

test('live: a client that reconnects with ?after= gets every event once, in order, while writers keep writing', async () => {
  const callIds = ['res-a', 'res-b', 'res-c', 'res-d'];
  for (const id of callIds) await liveCall(id);
  const start = Number((await database.pool.query(`select coalesce(max(id), 0) as id from call_events`)).rows[0].id);
  const record = createCallActivities(database.db).recordCallEvents;
  const first = await connect(`?after=${start}`);
  // Four calls write 60 batches of 1–3 events each, concurrently.
  let writing = true;
  const writers = Promise.all(
    callIds.map(async (callId, w) => {
      let seq = 1;
      for (let batch = 0; batch < 15; batch++) {
        const size = 1 + ((batch + w) % 3);
        await record({ callId, workspaceId: DEFAULT_WORKSPACE_ID, events: eventsOf(seq, size) });
        seq += size;
        await new Promise((resolve) => setTimeout(resolve, 3 + ((batch * 7 + w) % 11)));
      }
    }),
  ).finally(() => (writing = false));

  await first.until(() => first.events().length >= 20, '20 events before the disconnect');
  await first.close();
  const lastId = first.events().at(-1)!.id;
  const received = [...first.events()];
  // Reconnect twice more while writing goes on.
  let cursor = lastId;
  while (writing) {
    const again = await connect(`?after=${cursor}`);
    await again.until(() => again.events().length >= 5 || !writing, 'a few more events');
    await again.close();
    received.push(...again.events());
    cursor = received.at(-1)?.id ?? cursor;
  }
  await writers;
  const final = await connect(`?after=${cursor}`);
  const storedIds = (await database.pool.query(`select id from call_events where workspace_id = $1 and id > $2 order by id`, [DEFAULT_WORKSPACE_ID, start])).rows.map((r) =>
    Number(r.id),
  );
  await final.until(() => received.length + final.events().length >= storedIds.length, 'the rest of the events');
  received.push(...final.events());
  await final.close();
  assert.equal(storedIds.length, 4 * (15 + 15), 'each writer stored 30 events');
  assert.deepEqual(
    received.map((event) => event.id),
    storedIds,
    'every stored event once, in id order',
  );
  for (const callId of callIds) {
    const seqs = received.filter((event) => event.callId === callId).map((event) => event.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${callId}: seq 1..n`);
  }
});

test('live: a client sees only its workspace; bad requests are refused', async () => {
  await liveCall('ws-other', OTHER_WORKSPACE);
  await liveCall('ws-default');
  const other = await connect('', { 'x-test-workspace': OTHER_WORKSPACE });
  const mine = await connect();
  await Promise.all([other.until(() => other.messages.length > 0, 'ready'), mine.until(() => mine.messages.length > 0, 'ready')]);
  const record = createCallActivities(database.db).recordCallEvents;
  await record({ callId: 'ws-other', workspaceId: OTHER_WORKSPACE, events: eventsOf(1, 3) });
  await record({ callId: 'ws-default', workspaceId: DEFAULT_WORKSPACE_ID, events: eventsOf(1, 2) });
  await Promise.all([other.until(() => other.events().length === 3, 'other workspace events'), mine.until(() => mine.events().length === 2, 'my events')]);
  assert.ok(other.events().every((event) => event.callId === 'ws-other'));
  assert.ok(mine.events().every((event) => event.callId === 'ws-default'));
  // Resuming from 0 replays only the workspace's own backlog.
  const backlog = await connect('?after=0', { 'x-test-workspace': OTHER_WORKSPACE });
  await backlog.until(() => backlog.events().length === 3, 'backlog');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(backlog.events().map((e) => e.callId), ['ws-other', 'ws-other', 'ws-other']);
  await Promise.all([other.close(), mine.close(), backlog.close()]);

  assert.equal(await refusedWith('?after=yesterday'), 400);
  assert.equal(await refusedWith('?after=-1'), 400);
  assert.equal(await refusedWith('', { 'x-test-workspace': 'none' }), 401);
  assert.equal(live.connections(), 0);
  const count = await database.db.execute(sql`select count(*)::int as n from call_events where call_id = 'ws-other'`);
  assert.equal((count.rows[0] as { n: number }).n, 3);
});

test('live: one caller holds at most 10 open connections; the next is closed with 4429 and a reason', async () => {
  const asAlice = { 'x-test-caller': 'user:alice' };
  const alice = await Promise.all(Array.from({ length: 10 }, () => connect('', asAlice)));
  await Promise.all(alice.map((client) => client.until(() => client.messages.length > 0, 'ready')));
  const closedWith = (headers: Record<string, string>) =>
    new Promise<{ code: number; reason: string; messages: number }>((resolve, reject) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/api/live`, { headers });
      let messages = 0;
      socket.on('message', () => messages++);
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason), messages }));
      socket.once('error', reject);
    });
  const eleventh = await closedWith(asAlice);
  assert.equal(eleventh.code, TOO_MANY_CONNECTIONS);
  assert.match(eleventh.reason, /too many live connections: at most 10 per user or API key/);
  assert.equal(eleventh.messages, 0, 'the refused socket reads nothing');
  assert.equal(live.connections(), 10);
  // Another caller in the same workspace is not affected.
  const bob = await connect('', { 'x-test-caller': 'user:bob' });
  await bob.until(() => bob.messages.length > 0, 'ready');
  // A closed connection frees its place.
  await alice[0]!.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await connect('', asAlice);
  await again.until(() => again.messages.length > 0, 'ready');
  await Promise.all([...alice.slice(1), bob, again].map((client) => client.close()));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(live.connections(), 0);
});

test('live: when the LISTEN connection is killed, the stream reconnects and no event is lost', async () => {
  await liveCall('relisten');
  const client = await connect();
  await client.until(() => client.messages.length > 0, 'ready');
  const killed = await database.pool.query(
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`,
  );
  assert.equal(killed.rowCount, 1, 'one LISTEN connection');
  // Written while nobody listens: found by the read that follows the new LISTEN, not by a poll.
  const record = createCallActivities(database.db).recordCallEvents;
  await record({ callId: 'relisten', workspaceId: DEFAULT_WORKSPACE_ID, events: eventsOf(1, 2) });
  await client.until(() => client.events().length === 2, 'events written during the outage', 15_000);
  await record({ callId: 'relisten', workspaceId: DEFAULT_WORKSPACE_ID, events: eventsOf(3, 1) });
  await client.until(() => client.events().length === 3, 'an event after the reconnect');
  assert.deepEqual(client.events().map((event) => event.seq), [1, 2, 3]);
  await client.close();
});

// ---- exports that stall (last: many rows, removed again) ----------------------------------------

test('export: a client that stops reading is cut after the stall limit and the database connection released; one that leaves, at once', async () => {
  // Far more than the socket buffers hold, so a client that stops reading stalls the export.
  await database.pool.query(
    `insert into calls (id, workspace_id, room_name, workflow_id, caller_number, called_number)
     select 'bulk-' || i, $1, 'bulk-' || i, 'call-bulk-' || i, '+14155559999', '+14155550100' from generate_series(1, 200000) i`,
    [DEFAULT_WORKSPACE_ID],
  );
  const checkedOut = () => database.pool.totalCount - database.pool.idleCount;
  const until = async (predicate: () => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${checkedOut()} connections checked out)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const baseline = checkedOut();
  const open = (format: 'csv' | 'json') =>
    new Promise<{ response: IncomingMessage; cut: Promise<void> }>((resolve, reject) => {
      setTimeout(() => reject(new Error(`no answer to the ${format} export`)), 5000);
      const request = httpRequest(`${base}/api/call-history/export.${format}?q=bulk-`, { headers: auth }, (response) => {
        response.pause(); // reads nothing more: the socket fills and the server waits to write
        resolve({ response, cut: new Promise((ended) => response.once('close', () => ended())) });
      });
      request.once('error', reject);
      request.end();
    });
  try {
    for (const format of ['csv', 'json'] as const) {
      const stalled = await open(format);
      assert.equal(stalled.response.statusCode, 200);
      await until(() => checkedOut() === baseline + 1, 'the export to hold a connection', 20_000);
      await until(() => checkedOut() === baseline, 'the stalled export to release its connection', 20_000); // generous: a loaded machine is slow to fill the socket buffers
      // Reading again: what was sent arrives, then the cut (the body never completes).
      stalled.response.on('error', () => undefined).resume();
      await stalled.cut;
      assert.ok(!stalled.response.complete, `${format}: the body was cut off, not finished`);
    }
    // A client that disconnects releases the connection without waiting for the limit.
    const leaving = await open('csv');
    await until(() => checkedOut() === baseline + 1, 'the export to hold a connection', 5000);
    leaving.response.destroy();
    await until(() => checkedOut() === baseline, 'the abandoned export to release its connection', 900);
  } finally {
    await database.pool.query(`delete from calls where id like 'bulk-%'`);
  }
});
