// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers): privacy on a real stack — Temporal dev server, LiveKit, PostgreSQL,
 * API, flow worker, media worker (espeak-ng; the recognizer is Deepgram's client against the local
 * fake Deepgram server, so the transcript is known). The stack's logs and the Temporal SDK's go to
 * files in test-results/, which the last test scans for the callers' data.
 *
 * - a call on a trigger with `redactTranscripts`: the caller's card number and SSN are redacted in
 *   the stored events; the workflow history holds only encrypted payloads, readable through the
 *   codec and the codec endpoint, and not by a client without the key;
 * - erasing a caller leaves nothing in any database table, the blob store or Temporal;
 * - retention deletes exactly the expired calls;
 * - the logs carry none of the callers' numbers, digits or transcripts.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { eq, inArray, sql } from 'drizzle-orm';
import type { FlowGraphInput } from '@switchboard/flow-model';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { DeepgramStt } from '../../activities/media/providers/deepgram-stt';
import { startFakeDeepgram } from '../../activities/media/providers/testing/fake-deepgram';
import type { FakeServer } from '../../activities/media/providers/testing/fake-server';
import { auditLog, callEvents, calls, flows, recordings, telnyxEvents, workspaces } from '../../db/schema';
import { recordingKey } from '../../lib/blob-store';
import { callerNumberHash } from '../../lib/privacy/caller-hash';
import { EncryptionCodec, ENCRYPTED_ENCODING, WORKFLOW_ID_METADATA } from '../../lib/privacy/payload-codec';
import { ensureRetentionSchedule } from '../../api/retention-schedule';
import { CallerNumberKey, FlowIdKey, RETENTION_SCHEDULE_ID } from '../../workflows/definitions';
import { artifactsDir, startStack, type Stack } from '../support/stack';
import { decodeHistory } from '../support/history';
import { runtimeLogsTo, uniqueName } from '../support/temporal';
import { createTestAccount, createTestWorkspace, signIn } from '../support/auth';

const appLog = `${artifactsDir}privacy-e2e-${process.pid}.app.log`;
const sdkLog = `${artifactsDir}privacy-e2e-${process.pid}.temporal-sdk.log`;
const livekitLog = `${artifactsDir}livekit-${process.pid}.log`;

const suffix = String(1000 + (process.pid % 9000)).padStart(4, '0');
/** The caller who gets erased; the one who stays; the callers of the retention test. */
const callerA = `+1415555${suffix}`;
const callerB = `+1206555${suffix}`;
const callerC = `+1312555${suffix}`;
const calledNumber = '+14155550177';
const CARD = '4111 1111 1111 1111';
const SSN = '078-05-1120';
const CANNED = `my card number is ${CARD} and my social is ${SSN}`;

let stack: Stack;
let deepgram: FakeServer;
let codec: EncryptionCodec;
const callIds: Record<string, string> = {};

const digits = (number: string) => number.replace(/\D/g, '');

before(async () => {
  await rm(appLog, { force: true });
  await rm(sdkLog, { force: true });
  runtimeLogsTo(sdkLog);
  deepgram = await startFakeDeepgram({ transcript: CANNED });
  stack = await startStack({ logFile: appLog, logLevel: 'debug', stt: new DeepgramStt({ apiKey: deepgram.options.apiKey, baseUrl: deepgram.url }) });
  codec = new EncryptionCodec(stack.privacy.payloadKeys);
  const graph: FlowGraphInput = {
    start: 'ask',
    nodes: [
      { id: 'ask', type: 'listen', label: 'Ask', config: { prompt: 'Please tell us how you will pay.', saveAs: 'said' } },
      { id: 'bye', type: 'hangup', label: 'Bye', config: { farewell: 'Thank you. Goodbye.' } },
      { id: 'silent', type: 'hangup', label: 'Silent', config: { farewell: 'Goodbye.' } },
    ],
    edges: [
      { from: 'ask', exit: 'heard', to: 'bye' },
      { from: 'ask', exit: 'noInput', to: 'silent' },
    ],
  };
  const flow = await stack.post('/api/flows', { name: 'Payments', graph });
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'privacy e2e' });
  await stack.post('/api/phone-triggers', { phoneNumber: calledNumber, flowId: flow.id, settings: { redactTranscripts: true } });
});

after(async () => {
  await stack?.stop();
  await deepgram?.close();
});

/** Starts a call that ends at once (no caller ever joins its room) and waits for it to end. */
async function quickCall(callerNumber: string, options: { wait?: boolean; waitForCallerMs?: number } = {}): Promise<string> {
  const started = await stack.post('/api/calls', { roomName: uniqueName('privacy-room'), calledNumber, callerNumber, media: { waitForCallerMs: options.waitForCallerMs ?? 100 } });
  if (options.wait !== false) await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  return started.callId as string;
}

/**
 * Resolves once Temporal no longer has the workflow. Deletion is asynchronous: the dev server takes
 * about 35 s for an execution that closed seconds before (measured with the temporal CLI), and
 * deletes at once one that is running or closed long ago.
 */
async function waitUntilDeleted(workflowId: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await stack.temporal.client.workflow.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return;
      throw error;
    }
    if (Date.now() > deadline) {
      const description = await stack.temporal.client.workflow.getHandle(workflowId).describe();
      assert.fail(`workflow ${workflowId} still exists 90 s after its deletion (${description.status.name}, closed ${description.closeTime?.toISOString()})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function listWorkflows(query: string): Promise<string[]> {
  const found: string[] = [];
  for await (const execution of stack.temporal.client.workflow.list({ query })) found.push(execution.workflowId);
  return found;
}

type JsonPayload = { metadata: Record<string, string>; data?: string };
/**
 * Every payload object in a JSON history, except search attributes (Temporal indexes those, so
 * they are never encrypted: they carry ids, the caller's keyed hash and the status only).
 */
const patchMarkers: unknown[] = [];
function payloadsOf(value: unknown, out: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(value)) value.forEach((item) => payloadsOf(item, out));
  else if (value && typeof value === 'object') {
    if ('metadata' in value && typeof (value as JsonPayload).metadata?.encoding === 'string') out.push(value as JsonPayload);
    // A `patched()` marker, written by the SDK's core outside the data converter: it holds only the
    // patch id (e.g. `{"id":"caller-screening","deprecated":false}`), checked below.
    else if ((value as { markerName?: string }).markerName === 'core_patch') patchMarkers.push(value);
    else for (const [key, child] of Object.entries(value)) if (key !== 'searchAttributes') payloadsOf(child, out);
  }
  return out;
}
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text = '') => Buffer.from(text, 'base64').toString('utf8');

test('a redacting call: transcripts stored redacted; its history is encrypted and readable only through the codec', async () => {
  const roomName = uniqueName('privacy-call');
  const caller = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    silenceHangoverMs: 1200,
    maxDurationMs: 60_000,
    script: [{ say: 'my card number is four one one one', after: 'promptEnd' }, { waitForPrompt: true }],
  });
  const started = await stack.post('/api/calls', { roomName, calledNumber, callerNumber: callerA });
  callIds.a1 = started.callId;
  const heard = await caller;
  assert.equal(heard.hungUpByAgent, true, `call ended by ${heard.endReason}`);
  const handle = stack.temporal.client.workflow.getHandle(started.workflowId);
  assert.equal((await handle.result()).endReason, 'completed');

  // Redaction: what the recognizer returned never reached the events.
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  const said = record.events.filter((event: { type: string }) => event.type === 'callerSaid');
  assert.equal(said.length, 1, JSON.stringify(record.events));
  assert.equal(said[0].data.transcript, 'my card number is [card number] and my social is [ssn]');
  const stored = await stack.database.db.execute(sql`select count(*)::int as n from call_events where data::text like '%4111%' or data::text like '%078-05%'`);
  assert.equal((stored.rows[0] as { n: number }).n, 0, 'no card number or SSN in any stored event');

  // The raw history: every payload encrypted; no number, transcript or variable readable.
  const raw = JSON.parse(historyToJSON(await handle.fetchHistory()));
  const payloads = payloadsOf(raw);
  assert.ok(payloads.length >= 8, `${payloads.length} payloads`);
  for (const payload of payloads) {
    assert.equal(payload.metadata.encoding, b64(ENCRYPTED_ENCODING), `a payload in ${unb64(payload.metadata.encoding)}`);
    for (const secret of [digits(callerA), 'card', 'callerNumber', 'flow.said']) assert.ok(!Buffer.from(payload.data ?? '', 'base64').includes(secret), secret);
  }
  assert.ok(!JSON.stringify(raw).includes(digits(callerA)), 'the number appears nowhere in the raw history (search attributes included)');
  for (const marker of patchMarkers) {
    const data = (marker as { details: Record<string, { payloads: JsonPayload[] }> }).details['patch-data']!.payloads.map((payload) => JSON.parse(unb64(payload.data)) as Record<string, unknown>);
    for (const entry of data) assert.deepEqual(Object.keys(entry).sort(), ['deprecated', 'id'], `a patch marker holds only its id: ${JSON.stringify(entry)}`);
  }

  // Through the codec: readable, and the transcripts in it are the redacted ones.
  const decoded = payloadsOf(JSON.parse(historyToJSON(await decodeHistory(await handle.fetchHistory(), codec))));
  const text = decoded.map((payload) => unb64(payload.data)).join('\n');
  assert.ok(text.includes(`"callerNumber":"${callerA}"`), 'the workflow input decodes');
  assert.ok(text.includes('[card number]'), 'the listen result decodes, redacted');
  assert.ok(!text.includes('4111'), 'the card number is in no payload');

  // Through the codec endpoint, as the Temporal UI calls it.
  const startedEvent = raw.events.find((event: Record<string, unknown>) => event.workflowExecutionStartedEventAttributes);
  const inputPayload = startedEvent.workflowExecutionStartedEventAttributes.input.payloads[0] as JsonPayload;
  const decodedByEndpoint = await stack.post('/api/temporal-codec/decode', { payloads: [inputPayload] });
  const input = JSON.parse(unb64(decodedByEndpoint.payloads[0].data)) as { callerNumber: string; redactTranscripts: boolean };
  assert.equal(input?.callerNumber, callerA);
  assert.equal(input?.redactTranscripts, true);
  const plain = defaultPayloadConverter.toPayload({ hello: 'codec' });
  const encodedByEndpoint = await stack.post('/api/temporal-codec/encode', { payloads: [{ metadata: { encoding: b64('json/plain') }, data: Buffer.from(plain.data!).toString('base64') }] });
  assert.equal(encodedByEndpoint.payloads[0].metadata.encoding, b64(ENCRYPTED_ENCODING));
  const roundTrip = await stack.post('/api/temporal-codec/decode', encodedByEndpoint);
  assert.deepEqual(JSON.parse(unb64(roundTrip.payloads[0].data)), { hello: 'codec' });
  // Payloads are bound to their workflow, and decrypted only for its workspace's members.
  assert.equal(unb64(inputPayload.metadata[WORKFLOW_ID_METADATA]!), started.workflowId);
  const decodeAs = async (headers: Record<string, string>, payloads: JsonPayload[]) => {
    const answer = await fetch(`${stack.api}/api/temporal-codec/decode`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ payloads }) });
    return { status: answer.status, body: (await answer.json()) as { payloads: JsonPayload[] } };
  };
  const viewer = await createTestAccount(stack.database.db, { role: 'viewer' });
  const stranger = await createTestWorkspace(stack.database.db, uniqueName('other-workspace'));
  const asViewer = await decodeAs(viewer.headers, [inputPayload, encodedByEndpoint.payloads[0]]);
  assert.equal(asViewer.status, 200);
  assert.equal((JSON.parse(unb64(asViewer.body.payloads[0]!.data)) as { callerNumber: string }).callerNumber, callerA, "a viewer of the call's workspace reads it");
  assert.deepEqual(asViewer.body.payloads[1], encodedByEndpoint.payloads[0], 'a payload bound to no workflow is for the default workspace owners only');
  const asStranger = await decodeAs(stranger.headers, [inputPayload, encodedByEndpoint.payloads[0]]);
  assert.equal(asStranger.status, 200);
  assert.deepEqual(asStranger.body.payloads, [inputPayload, encodedByEndpoint.payloads[0]], "another workspace's owner gets the payloads back still encrypted");
  assert.ok(!JSON.stringify(asStranger.body).includes(digits(callerA)));
  // Relabelling a payload to a workflow of the stranger's own workspace does not open it: the binding is authenticated.
  const strangerCall = uniqueName('stranger-call');
  await stack.database.db.insert(calls).values({ id: strangerCall, workspaceId: stranger.workspaceId, roomName: strangerCall, workflowId: `call-${strangerCall}`, status: 'completed' });
  const relabelled = { ...inputPayload, metadata: { ...inputPayload.metadata, [WORKFLOW_ID_METADATA]: b64(`call-${strangerCall}`) } };
  const forged = await decodeAs(stranger.headers, [relabelled]);
  assert.equal(forged.status, 422);
  assert.ok(!JSON.stringify(forged.body).includes(digits(callerA)));
  const bad = await fetch(`${stack.api}/api/temporal-codec/decode`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [{ metadata: { encoding: b64(ENCRYPTED_ENCODING), 'encryption-key-id': b64('nope') }, data: b64('x'.repeat(40)) }] }) });
  assert.equal(bad.status, 422);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /key "nope", which is not in TEMPORAL_PAYLOAD_KEYS/);

  // CORS for the Temporal UI's origin only.
  const preflight = (origin: string) =>
    fetch(`${stack.api}/api/temporal-codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
  const ui = await preflight('http://127.0.0.1:8233');
  assert.equal(ui.status, 204);
  assert.equal(ui.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
  assert.equal(ui.headers.get('access-control-allow-credentials'), 'true');
  assert.match(ui.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
  const other = await preflight('https://evil.example');
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('access-control-allow-origin'), null);

  // The codec calls themselves need a caller: none gets 401 (which the UI can read, with CORS).
  const codecCall = (headers: Record<string, string>) =>
    fetch(`${stack.api}/api/temporal-codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payloads: [inputPayload] }) });
  const anonymous = await codecCall({ origin: 'http://127.0.0.1:8233' });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
  // The Temporal UI with include-credentials: the operator's session cookie, no CSRF header.
  const cookie = await signIn(stack.api, stack.owner.email, stack.owner.password);
  const fromUi = await codecCall({ origin: 'http://127.0.0.1:8233', cookie });
  assert.equal(fromUi.status, 200);
  assert.equal(JSON.parse(unb64(((await fromUi.json()) as { payloads: JsonPayload[] }).payloads[0]!.data)).callerNumber, callerA);
  // The same cookie from any other origin is refused (CSRF), and so is a cookie call without an Origin.
  assert.equal((await codecCall({ origin: 'https://evil.example', cookie })).status, 403);
  assert.equal((await codecCall({ cookie })).status, 403);

  // A client without the key cannot read the result.
  const keyless = new Client({ connection: stack.temporal.client.connection });
  await assert.rejects(keyless.workflow.getHandle(started.workflowId).result(), /encoding|binary\/encrypted|Unknown/i);

  // Search: by the keyed hash (the API computes it), never by the number.
  const search = await stack.get(`/api/privacy/search-attribute?number=${encodeURIComponent(callerA)}`);
  assert.equal(search.value, callerNumberHash(stack.privacy.callerHashKey, callerA));
  assert.deepEqual(await listWorkflows(search.query), [started.workflowId]);
  assert.deepEqual(await listWorkflows(`CallerNumber = '${callerA}'`), []);
  // The dashboard's search by number (our database) still finds the call.
  const history = await stack.get(`/api/call-history?number=${encodeURIComponent(digits(callerA).slice(-7))}`);
  assert.deepEqual(history.calls.map((call: { id: string }) => call.id), [started.callId]);
});

test('erasing a caller removes their calls, events, recordings, audio and workflow executions, and nothing else', async () => {
  const db = stack.database.db;
  // Caller A also has a call still running (no one joined yet) and a voicemail on the first call.
  callIds.a2 = await quickCall(callerA, { wait: false, waitForCallerMs: 600_000 });
  callIds.b = await quickCall(callerB);
  const recordingId = `${callIds.a1}-voicemail`;
  const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.from(`caller ${callerA} voice`.repeat(20))]);
  await stack.blobs.put(recordingKey(recordingId), wav);
  await db.insert(recordings).values({ id: recordingId, workspaceId: (await stack.get('/api/workspace')).id, callId: callIds.a1!, kind: 'voicemail', durationMs: 1200 });
  const onDisk = await stack.rawBlobs.get(recordingKey(recordingId));
  assert.ok(onDisk && !Buffer.from(onDisk).includes('RIFF') && !Buffer.from(onDisk).includes(digits(callerA)), 'the recording is encrypted at rest');
  const download = await fetch(`${stack.api}/api/recordings/${recordingId}/audio`, { headers: stack.authHeaders });
  assert.equal(download.status, 200);
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), wav, 'downloads decrypt');
  const workspaceId = (await stack.get('/api/workspace')).id as string;
  await db.insert(telnyxEvents).values([
    { id: uniqueName('tx'), workspaceId, callId: callIds.a1!, eventType: 'call.initiated', occurredAt: new Date(), data: { payload: { from: callerA, to: calledNumber } } },
    { id: uniqueName('tx'), workspaceId, callId: null, eventType: 'call.hangup', occurredAt: new Date(), data: { payload: { from: callerA, to: calledNumber } } },
  ]);
  const workflowA2 = `call-${callIds.a2}`;
  // The running call has reached the media worker before it is erased.
  for (let i = 0; i < 100 && (await stack.temporal.client.workflow.getHandle(workflowA2).describe()).status.name !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));

  // The same caller also called another workspace: Temporal finds those executions by the same
  // hash, but they are not this workspace's (one by its calls row, one by its FlowId) and must stay.
  const elsewhere = await createTestWorkspace(db, uniqueName('elsewhere'));
  const [elsewhereFlow] = await db.insert(flows).values({ workspaceId: elsewhere.workspaceId, name: 'Elsewhere', draftGraph: { start: 'hangup', nodes: [{ id: 'hangup', type: 'hangup', config: {} }] } }).returning();
  const elsewhereCall = uniqueName('elsewhere-call');
  await db.insert(calls).values({ id: elsewhereCall, workspaceId: elsewhere.workspaceId, roomName: elsewhereCall, workflowId: `call-${elsewhereCall}`, status: 'active' });
  const elsewhereWorkflows = [`call-${elsewhereCall}`, `call-${uniqueName('elsewhere-gone')}`];
  for (const workflowId of elsewhereWorkflows) {
    // On a queue no worker polls: they stay running, as a live call in that workspace would.
    await stack.temporal.client.workflow.start('callFlow', {
      workflowId,
      taskQueue: uniqueName('nobody-polls'),
      args: [{}],
      typedSearchAttributes: [
        { key: CallerNumberKey, value: callerNumberHash(stack.privacy.callerHashKey, callerA) },
        { key: FlowIdKey, value: elsewhereFlow!.id },
      ],
    });
  }
  for (let i = 0; i < 100 && (await listWorkflows(`${CallerNumberKey.name} = '${callerNumberHash(stack.privacy.callerHashKey, callerA)}'`)).length < 4; i++) await new Promise((r) => setTimeout(r, 100));

  // Export first: the caller's calls, events and recordings.
  const exported = await stack.get(`/api/privacy/export?number=${encodeURIComponent(callerA)}`);
  assert.deepEqual(exported.calls.map((call: { id: string }) => call.id).sort(), [callIds.a1, callIds.a2].sort());
  const first = exported.calls.find((call: { id: string }) => call.id === callIds.a1);
  assert.ok(first.events.some((event: { type: string }) => event.type === 'callerSaid'));
  assert.deepEqual(first.recordings.map((r: { id: string }) => r.id), [recordingId]);
  assert.equal(exported.carrierEvents.length, 2);

  // The caller also asked not to be called again: that entry must outlive the erasure.
  const blocked = await stack.post('/api/do-not-call', { phoneNumber: callerA, note: 'asked not to be called' });

  const report = await stack.post('/api/privacy/erase', { number: callerA });
  assert.equal(report.calls, 2);
  assert.equal(report.recordings, 1);
  assert.equal(report.telnyxEvents, 2);
  assert.equal(report.workflowsTerminated, 1, 'the running call was terminated');
  assert.equal(report.workflowsDeleted, 2);
  assert.ok(report.events > 0);
  assert.equal(report.callerHash, callerNumberHash(stack.privacy.callerHashKey, callerA));

  // Database: no row of any table mentions the number, or the erased calls' ids.
  const tables = await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const names = tables.rows.map((row) => String((row as { table_name: string }).table_name));
  assert.ok(['calls', 'call_events', 'recordings', 'telnyx_events', 'audit_log'].every((name) => names.includes(name)), names.join(', '));
  // Except the do-not-call list, which keeps the opted-out number on purpose (docs/privacy.md).
  assert.ok(names.includes('do_not_call'));
  const doNotCall = await db.execute(sql`select id, phone_number from do_not_call where id = ${blocked.id}`);
  assert.deepEqual(doNotCall.rows, [{ id: blocked.id, phone_number: callerA }], 'the do-not-call entry is kept');
  for (const name of names.filter((table) => table !== 'do_not_call')) {
    const needles: string[] = [digits(callerA), callIds.a1!, callIds.a2!];
    for (const needle of needles) {
      const found: { rows: unknown[] } = await db.execute(sql`select count(*)::int as n from ${sql.identifier(name)} t where t::text like ${`%${needle}%`}`);
      assert.equal((found.rows[0] as { n: number }).n, 0, `table ${name} still mentions ${needle === digits(callerA) ? 'the number' : 'an erased call'}`);
    }
  }
  // Blob store: the recording is gone (through the store and on disk).
  assert.equal(await stack.blobs.get(recordingKey(recordingId)), undefined);
  assert.ok(!(await readdir(`${stack.processEnv.SWITCHBOARD_STORAGE_DIR}/recordings`)).some((file) => file.startsWith(recordingId)));
  // Temporal: both executions deleted, nothing found by the hash.
  await waitUntilDeleted(`call-${callIds.a1}`);
  await waitUntilDeleted(workflowA2);
  const hashQuery = (await stack.get(`/api/privacy/search-attribute?number=${encodeURIComponent(callerA)}`)).query as string;
  const onlyElsewhere = async () => (await listWorkflows(hashQuery)).sort().join() === [...elsewhereWorkflows].sort().join();
  for (let i = 0; i < 120 && !(await onlyElsewhere()); i++) await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual((await listWorkflows(hashQuery)).sort(), [...elsewhereWorkflows].sort(), "by the hash, only the other workspace's executions are left");
  // The audit entry names the caller by hash only.
  const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'caller.erased'));
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.target, `callerHash:${report.callerHash}`);
  // Who erased: the stack's owner, through its API key (`apiKey:<prefix>`).
  const actor = audit[0]?.actor ?? '';
  assert.ok(actor.startsWith('apiKey:') && stack.owner.apiKey.startsWith(actor.slice('apiKey:'.length)), actor);
  // Export now finds nothing.
  assert.deepEqual((await stack.get(`/api/privacy/export?number=${encodeURIComponent(callerA)}`)).calls, []);

  // The other workspace's executions and call are untouched.
  for (const workflowId of elsewhereWorkflows) {
    assert.equal((await stack.temporal.client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING', `${workflowId} of another workspace was left alone`);
    await stack.temporal.client.workflow.getHandle(workflowId).terminate('test over');
  }
  assert.equal((await db.select().from(calls).where(eq(calls.id, elsewhereCall))).length, 1);

  // The other caller is untouched.
  assert.equal((await db.select().from(calls).where(eq(calls.id, callIds.b!))).length, 1);
  assert.ok((await db.select().from(callEvents).where(eq(callEvents.callId, callIds.b!))).length > 0);
  assert.equal((await stack.temporal.client.workflow.getHandle(`call-${callIds.b}`).describe()).status.name, 'COMPLETED');

  // Bad input: a clear error.
  const invalid = await fetch(`${stack.api}/api/privacy/erase`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ number: 'x' }) });
  assert.equal(invalid.status, 400);
  assert.match(((await invalid.json()) as { error: { message: string } }).error.message, /number: must be a phone number/);
});

test('retention deletes exactly the calls older than the policy, in its workspace only', async () => {
  const db = stack.database.db;
  const workspace = await stack.get('/api/workspace');
  const put = (body: unknown) => fetch(`${stack.api}/api/privacy/retention`, { method: 'PUT', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const refused = await put({ retentionDays: 0 });
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /retentionDays/);
  // Not through the workspace settings (builders may change those; retention is the owner's).
  const viaWorkspace = await fetch(`${stack.api}/api/workspace`, { method: 'PATCH', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ settings: { retentionDays: 30 } }) });
  assert.equal(viaWorkspace.status, 400);
  assert.equal((await put({ retentionDays: 30 })).status, 200);
  assert.equal((await stack.get('/api/workspace')).settings.retentionDays, 30);
  const [old1, old2, day29, fresh] = [await quickCall(callerC), await quickCall(callerC), await quickCall(callerC), await quickCall(callerC)];
  const backdate = (id: string, days: number) =>
    db.execute(sql`update calls set started_at = now() - make_interval(days => ${days}), ended_at = now() - make_interval(days => ${days}) + interval '5 seconds' where id = ${id}`);
  await backdate(old1!, 40);
  await backdate(old2!, 31);
  await backdate(day29!, 29);
  // Another workspace without a policy: its very old call stays.
  const [other] = await db.insert(workspaces).values({ name: 'No policy' }).returning();
  const otherCallId = uniqueName('other-call');
  await db.insert(calls).values({ id: otherCallId, workspaceId: other!.id, roomName: 'r', workflowId: `call-${otherCallId}`, status: 'completed', startedAt: new Date(Date.now() - 400 * 86_400_000), endedAt: new Date(Date.now() - 400 * 86_400_000) });
  const kept = [day29!, fresh!, callIds.b!];
  const eventsBefore = await db.select({ callId: callEvents.callId }).from(callEvents).where(inArray(callEvents.callId, kept));

  // The schedule exists (created at start); creating it again is a no-op. Run it now.
  assert.equal(await ensureRetentionSchedule(stack.temporal.client), false);
  await stack.temporal.client.schedule.getHandle(RETENTION_SCHEDULE_ID).trigger();
  let result: { workspaces: Array<{ workspaceId: string; calls: number; workflowsDeleted: number }> } | undefined;
  for (let i = 0; i < 120 && !result; i++) {
    for await (const execution of stack.temporal.client.workflow.list({ query: `WorkflowType = 'enforceRetention' AND ExecutionStatus = 'Completed'` })) {
      const run = await stack.temporal.client.workflow.getHandle(execution.workflowId, execution.runId).result();
      if (run.workspaces.some((w: { calls: number }) => w.calls > 0)) result = run;
    }
    if (!result) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(result, 'a retention run deleted calls');
  assert.deepEqual(result.workspaces.map((w) => [w.workspaceId, w.calls, w.workflowsDeleted]), [[workspace.id, 2, 2]]);

  assert.deepEqual(await db.select({ id: calls.id }).from(calls).where(inArray(calls.id, [old1!, old2!])), []);
  assert.deepEqual(await db.select({ id: callEvents.id }).from(callEvents).where(inArray(callEvents.callId, [old1!, old2!])), []);
  await waitUntilDeleted(`call-${old1}`);
  await waitUntilDeleted(`call-${old2}`);
  const remaining = await db.select({ id: calls.id }).from(calls).where(inArray(calls.id, [...kept, otherCallId]));
  assert.deepEqual(remaining.map((row) => row.id).sort(), [...kept, otherCallId].sort());
  assert.equal((await db.select({ callId: callEvents.callId }).from(callEvents).where(inArray(callEvents.callId, kept))).length, eventsBefore.length);
  for (const id of kept) assert.equal((await stack.temporal.client.workflow.getHandle(`call-${id}`).describe()).status.name, 'COMPLETED');
  const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'retention.applied'));
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.details.calls, 2);
});

test("the logs carry none of the callers' numbers, digits or transcripts", async (t) => {
  const logs = await Promise.all([appLog, sdkLog, livekitLog].map(async (file) => ({ file, text: await readFile(file, 'utf8').catch(() => '') })));
  const app = logs[0]!;
  assert.ok(app.text.includes('media session attached'), `the stack logged to ${appLog}`);
  assert.ok(logs[1]!.text.includes('Activity completed'), `the Temporal SDK logged to ${sdkLog}`);
  const needles = [
    ...[callerA, callerB, callerC].flatMap((number) => [number, digits(number), digits(number).slice(1), digits(number).slice(-7)]),
    CARD,
    CARD.replaceAll(' ', ''),
    SSN,
    'four one one one',
    'my card number',
    'my social',
  ];
  for (const { file, text } of logs) {
    for (const needle of needles) assert.ok(!text.includes(needle), `${file} contains "${needle}"`);
  }
  t.diagnostic(`scanned ${logs.map(({ file, text }) => `${file} (${text.split('\n').length} lines)`).join(', ')} for ${needles.length} needles`);
});
