/**
 * Telnyx webhooks against the real stack (PostgreSQL, Temporal dev server, flow worker, LiveKit;
 * no media worker, so a started call waits for media until it is hung up). Deliveries are signed
 * with an Ed25519 key made here, exactly as Telnyx signs them.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { asc, eq } from 'drizzle-orm';
import { salesSupportSample } from '@switchboard/flow-model';
import { createLogger } from '../../lib/logger';
import { startStack, type Stack } from '../../test/support/stack';
import { uniqueName } from '../../test/support/temporal';
import { errorHandler, unknownRoute } from '../errors';
import { telnyxEvents } from '../../db/schema';
import { createTelnyxSigner, telnyxCallEvent, type TelnyxSigner } from './testing/signing';
import { TELNYX_WEBHOOK_PATH, telnyxWebhookRoutes } from './webhook-routes';

const CALLED = '+14155550160';
let stack: Stack;
let signer: TelnyxSigner;
let server: Server;
let webhookUrl: string;

before(async () => {
  stack = await startStack({ mediaWorker: false });
  signer = createTelnyxSigner();
  const app = express();
  app.use(
    telnyxWebhookRoutes({
      db: stack.database.db,
      temporal: stack.temporal.client,
      logger: createLogger('telnyx-test', process.env.API_TEST_LOG_LEVEL ?? 'silent'),
      publicKey: signer.publicKey,
    }),
  );
  app.use(express.json());
  app.use(unknownRoute);
  app.use(errorHandler((error) => console.error(error)));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${TELNYX_WEBHOOK_PATH}`;

  const flow = await stack.post('/api/flows', { name: 'Telnyx sample', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: CALLED, flowId: flow.id });
});
after(async () => {
  server?.close();
  await stack?.stop();
});

async function deliver(body: unknown, options: { headers?: Record<string, string>; sign?: TelnyxSigner; timestamp?: number; raw?: string } = {}) {
  const text = options.raw ?? JSON.stringify(body);
  const response = await fetch(webhookUrl, { method: 'POST', headers: options.headers ?? (options.sign ?? signer).headers(text, options.timestamp), body: text });
  return { status: response.status, body: (await response.json()) as any };
}

/** A call started the way the SIP side starts one, waiting (no media worker) until it ends. */
async function startCall(callerNumber: string) {
  const roomName = uniqueName('telnyx-room');
  const started = await stack.post('/api/calls', {
    roomName,
    calledNumber: CALLED,
    callerNumber,
    media: { scheduleToStartTimeoutMs: 60_000, waitForCallerMs: 60_000 },
  });
  return { callId: started.callId as string, handle: stack.temporal.client.workflow.getHandle(started.workflowId) };
}

const storedEvents = (session: string) =>
  stack.database.db.select().from(telnyxEvents).where(eq(telnyxEvents.callSessionId, session)).orderBy(asc(telnyxEvents.occurredAt));

function telnyxCall(from: string) {
  const session = `sess-${uniqueName('t')}`;
  const ids = { call_session_id: session, call_leg_id: `leg-${session}`, call_control_id: `v3:ctl-${session}`, from, to: CALLED };
  return { session, ids };
}

test('a signed call.initiated is stored and joined to the call started for the same numbers', async () => {
  const caller = '+14155550171';
  const { callId, handle } = await startCall(caller);
  const { session, ids } = telnyxCall(caller);
  const result = await deliver(telnyxCallEvent('call.initiated', { ...ids, start_time: new Date().toISOString() }));
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.deepEqual(result.body, { received: true, duplicate: false, callId, hangupSignalled: false });
  const rows = await storedEvents(session);
  assert.deepEqual(rows.map((row) => [row.eventType, row.callId]), [['call.initiated', callId]]);
  await handle.terminate('test done');
});

test('forged, wrongly keyed, stale, unsigned and malformed deliveries are refused and nothing is stored', async () => {
  const { session, ids } = telnyxCall('+14155550172');
  const event = telnyxCallEvent('call.initiated', ids);
  const text = JSON.stringify(event);

  const forgedHeaders = signer.headers(text);
  const tampered = text.replace('call.initiated', 'call.hangup');
  const forged = await deliver(undefined, { raw: tampered, headers: forgedHeaders });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.error.code, 'invalidSignature');

  const wrongKey = await deliver(event, { sign: createTelnyxSigner() });
  assert.equal(wrongKey.status, 401);
  assert.equal(wrongKey.body.error.code, 'invalidSignature');

  const stale = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
  assert.equal(stale.status, 401);
  assert.equal(stale.body.error.code, 'staleTimestamp');

  const unsigned = await deliver(event, { headers: { 'content-type': 'application/json' } });
  assert.equal(unsigned.status, 400);
  assert.equal(unsigned.body.error.code, 'missingSignature');

  const garbledSignature = await deliver(event, { headers: { ...signer.headers(text), 'telnyx-signature-ed25519': 'not base64!' } });
  assert.equal(garbledSignature.status, 401);

  const badJson = await deliver(undefined, { raw: '{"data": {"event_type": "call.hangup"' });
  assert.equal(badJson.status, 400);
  assert.equal(badJson.body.error.code, 'invalidJson');

  const wrongShape = await deliver({ data: { event_type: 'call.hangup', payload: {} } });
  assert.equal(wrongShape.status, 400);
  assert.equal(wrongShape.body.error.code, 'invalidRequest');
  assert.match(wrongShape.body.error.message, /data\.id/);

  assert.deepEqual(await storedEvents(session), []);
});

test('a duplicated delivery is stored once and answered as a duplicate', async () => {
  const { session, ids } = telnyxCall('+14155550173');
  const event = telnyxCallEvent('call.initiated', ids);
  const first = await deliver(event);
  const again = await deliver(event);
  assert.equal(first.body.duplicate, false);
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  assert.equal((await storedEvents(session)).length, 1);
});

test('hang-up reaches the running workflow, which ends with callerHungUp; reordered and repeated events change nothing', async () => {
  const caller = '+14155550174';
  const { callId, handle } = await startCall(caller);
  const { session, ids } = telnyxCall(caller);
  const startTime = new Date();
  const initiated = telnyxCallEvent('call.initiated', { ...ids, start_time: startTime.toISOString() }, { occurredAt: startTime });
  const answered = telnyxCallEvent('call.answered', { ...ids, start_time: startTime.toISOString() }, { occurredAt: new Date(startTime.getTime() + 1000) });
  const hangup = telnyxCallEvent(
    'call.hangup',
    { ...ids, hangup_cause: 'normal_clearing', hangup_source: 'caller', sip_hangup_cause: '200', start_time: startTime.toISOString(), end_time: new Date(startTime.getTime() + 5000).toISOString() },
    { occurredAt: new Date(startTime.getTime() + 5000) },
  );

  // Delivered out of order: the hang-up first, then the answer, then the start, then the hang-up again.
  const hungUp = await deliver(hangup);
  assert.equal(hungUp.status, 200, JSON.stringify(hungUp.body));
  assert.equal(hungUp.body.callId, callId);
  assert.equal(hungUp.body.hangupSignalled, true);
  const result = await handle.result();
  assert.equal(result.endReason, 'callerHungUp');

  const late = [await deliver(answered), await deliver(initiated), await deliver(hangup)];
  assert.deepEqual(late.map((response) => [response.status, response.body.duplicate, response.body.callId]), [
    [200, false, callId],
    [200, false, callId],
    [200, true, callId],
  ]);
  const rows = await storedEvents(session);
  assert.deepEqual(rows.map((row) => [row.eventType, row.callId]), [
    ['call.initiated', callId],
    ['call.answered', callId],
    ['call.hangup', callId],
  ]);
  const call = await stack.get(`/api/calls/${callId}`);
  assert.equal(call.endReason, 'callerHungUp');
});

test('events that arrive before the call exists are joined when a later event matches', async () => {
  const caller = '+14155550175';
  const { session, ids } = telnyxCall(caller);
  const early = await deliver(telnyxCallEvent('call.initiated', { ...ids, start_time: new Date().toISOString() }));
  assert.equal(early.body.callId, null);

  const { callId, handle } = await startCall(caller);
  const answered = await deliver(telnyxCallEvent('call.answered', ids));
  assert.equal(answered.body.callId, callId);
  assert.deepEqual((await storedEvents(session)).map((row) => row.callId), [callId, callId]);

  // A second Telnyx call from the same caller does not steal the first one's row.
  const other = telnyxCall(caller);
  const otherInitiated = await deliver(telnyxCallEvent('call.initiated', other.ids));
  assert.equal(otherInitiated.body.callId, null);
  await handle.terminate('test done');
});

test('non-call events are acknowledged and not stored', async () => {
  const event = { data: { record_type: 'event', event_type: 'message.received', id: 'msg-evt-1', occurred_at: new Date().toISOString(), payload: {} } };
  const result = await deliver(event);
  assert.deepEqual(result.body, { received: true, ignored: true });
  const rows = await stack.database.db.select().from(telnyxEvents).where(eq(telnyxEvents.id, 'msg-evt-1'));
  assert.equal(rows.length, 0);
});
