/**
 * Idempotent admission, end to end (real Temporal, LiveKit server and its webhook signing, the API):
 * many concurrent copies of a SIP caller's `participant_joined` webhook, for several calls to one
 * number at once, start one workflow per call, every copy is answered 200, and no call's room is
 * closed. Runs on PostgreSQL and on the embedded PGlite server `npm start` uses by default.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ParticipantInfo, ParticipantInfo_Kind, Room, WebhookEvent } from '@livekit/protocol';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { eq } from 'drizzle-orm';
import { salesSupportSample } from '@switchboard/flow-model';
import { calls } from '../../db/schema';
import { liveKitHttpUrl } from '../../lib/env';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

const CALLS = 3;
const COPIES = 6;

for (const database of ['postgres', 'embedded'] as const) {
  describe(`concurrent duplicate SIP webhooks (${database} database)`, () => {
    let stack: Stack;
    let rooms: RoomServiceClient;
    before(async () => {
      stack = await startStack({ database, sip: { redisDb: 1 + ((process.pid + (database === 'embedded' ? 7 : 0)) % 15), sipCallMedia: { waitForCallerMs: 20_000 } } });
      rooms = new RoomServiceClient(liveKitHttpUrl(stack.liveKit.url), stack.liveKit.apiKey, stack.liveKit.apiSecret);
    });
    after(async () => {
      if (stack) {
        for (const trigger of await stack.get('/api/phone-triggers')) await fetch(`${stack.api}/api/phone-triggers/${trigger.id}`, { method: 'DELETE', headers: stack.authHeaders });
      }
      await stack?.stop();
    });

    /** A SIP caller's join, signed as LiveKit server signs webhooks (JWT with the body's sha256). */
    async function webhook(roomName: string, attributes: Record<string, string>) {
      const identity = `sip_${roomName}`;
      const body = new WebhookEvent({
        event: 'participant_joined',
        id: uniqueName('EV'),
        createdAt: BigInt(Math.floor(Date.now() / 1000)),
        room: new Room({ name: roomName, sid: `RM_${roomName}` }),
        participant: new ParticipantInfo({ identity, sid: `PA_${identity}`, kind: ParticipantInfo_Kind.SIP, attributes: { 'sip.ruleID': 'SDR_test', ...attributes } }),
      }).toJsonString();
      const token = new AccessToken(stack.liveKit.apiKey, stack.liveKit.apiSecret, { ttl: '5m' });
      token.sha256 = createHash('sha256').update(body).digest('base64');
      return { body, authorization: await token.toJwt() };
    }

    test(`${CALLS} calls × ${COPIES} concurrent copies: one workflow each, every copy 200, no room closed`, async () => {
      const flow = await stack.post('/api/flows', { name: uniqueName('flow'), graph: salesSupportSample.graph });
      await stack.post(`/api/flows/${flow.id}/versions`, { note: 'race' });
      const calledNumber = `+1415555${String((process.pid * 13) % 10_000).padStart(4, '0')}`;
      await stack.post('/api/phone-triggers', { phoneNumber: calledNumber, flowId: flow.id });

      const roomNames = Array.from({ length: CALLS }, (_, i) => uniqueName(`race${i}`));
      // The rooms exist, as LiveKit SIP creates them before the caller's join is announced.
      await Promise.all(roomNames.map((name) => rooms.createRoom({ name, emptyTimeout: 120 })));
      const deliveries = await Promise.all(
        roomNames.map((roomName, i) => webhook(roomName, { 'sip.callID': `SCL_${roomName}`, 'sip.trunkPhoneNumber': calledNumber, 'sip.phoneNumber': `+1415556${String(i).padStart(4, '0')}` })),
      );
      const answers = await Promise.all(
        deliveries.flatMap(({ body, authorization }, call) =>
          Array.from({ length: COPIES }, async () => {
            const response = await fetch(`${stack.api}/api/livekit/webhooks`, { method: 'POST', headers: { 'content-type': 'application/webhook+json', authorization }, body });
            return { call, status: response.status, body: (await response.json()) as { callId?: string; started?: boolean } };
          }),
        ),
      );

      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer));
      for (let call = 0; call < CALLS; call++) {
        const callId = `sip-SCL_${roomNames[call]}`;
        const mine = answers.filter((answer) => answer.call === call);
        assert.deepEqual(new Set(mine.map((answer) => answer.body.callId)), new Set([callId]));
        assert.equal(mine.filter((answer) => answer.body.started === true).length, 1, `exactly one copy started call ${call}: ${JSON.stringify(mine.map((a) => a.body))}`);
        const runs: string[] = [];
        for await (const workflow of stack.temporal.client.workflow.list({ query: `WorkflowId = 'call-${callId}'` })) runs.push(workflow.runId);
        assert.equal(runs.length, 1, `one workflow run for call ${call}`);
        assert.equal((await stack.database.db.select({ id: calls.id }).from(calls).where(eq(calls.id, callId))).length, 1);
      }
      const open = new Set((await rooms.listRooms(roomNames)).map((room) => room.name));
      assert.deepEqual(roomNames.filter((name) => !open.has(name)), [], 'no room of a running call was closed');

      await Promise.all(roomNames.map((roomName) => stack.temporal.client.workflow.getHandle(`call-sip-SCL_${roomName}`).terminate('test over').catch(() => undefined)));
      await Promise.all(roomNames.map((name) => rooms.deleteRoom(name).catch(() => undefined)));
    });
  });
}
