/**
 * End to end (LiveKit, Temporal, the flow and media workers): a SIP caller whose
 * `participant_joined` webhook never reached the API (it was down when LiveKit sent it; LiveKit
 * sends each webhook once) is found by the API's room sweep and its call runs: the caller hears
 * the greeting, presses 2 and is served. A second sweep starts nothing more.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import { startSipRoomSweep } from '../../api/telephony/livekit-webhooks';
import { createLogger } from '../../lib/logger';
import { toCallId } from '../../api/start-call';
import { callWorkflowId } from '../../workflows/definitions';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { assertHeardSampleMenuCall } from '../support/sample-menu-call';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

const NUMBER = '+14155550131';
let stack: Stack;

before(async () => {
  // The stack's LiveKit sends no webhooks: every SIP caller's webhook is "missed".
  stack = await startStack();
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });
});
after(async () => {
  await stack?.stop();
});

test('a SIP caller whose webhook was missed is found by the room sweep and served', async () => {
  const roomName = uniqueName('sip-sweep');
  const sipCallId = `SCL_${roomName}`;
  const calling = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    kind: 'sip',
    identity: `sip_${roomName}`,
    attributes: { 'sip.callID': sipCallId, 'sip.trunkPhoneNumber': NUMBER, 'sip.phoneNumber': '+14155550177', 'sip.ruleID': 'SDR_sweep', 'sip.callStatus': 'active' },
    silenceHangoverMs: 1200,
    maxDurationMs: 45_000,
    script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
  });
  const sweeper = startSipRoomSweep(
    { db: stack.database.db, temporal: stack.temporal.client, logger: createLogger('sweep-test', 'warn'), liveKit: stack.liveKit, callerHashKey: stack.privacy.callerHashKey },
    { everyMs: 60_000, minAgeMs: 0 },
  );
  try {
    // Until the caller is in the room there is nothing to find; then one call starts.
    let started = 0;
    for (let i = 0; i < 100 && started === 0; i++) {
      started = await sweeper.sweep();
      if (started === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(started, 1, 'the sweep started the call');
    const heard = await calling;
    assertHeardSampleMenuCall(heard);
    // The call ran (its room is gone or has the agent in it): nothing more to start.
    assert.equal(await sweeper.sweep(), 0);
  } finally {
    sweeper.stop();
  }
  // The call is the one LiveKit SIP's call id names, and it completed.
  const callId = toCallId(`sip-${sipCallId}`);
  const outcome = await stack.temporal.client.workflow.getHandle(callWorkflowId(callId)).result();
  assert.equal(outcome.endReason, 'completed');
  const record = await stack.get(`/api/calls/${encodeURIComponent(callId)}`);
  assert.equal(record.status, 'completed');
});
