// test-runner: serial (times the admission wait on the wall clock)
/**
 * End to end, overload: one media worker that takes two calls at once is offered five at once, each
 * allowed to wait ADMISSION_WAIT_MS for a worker. Two are admitted and complete; the other three are
 * refused within their wait: they end `noCapacity` (a failed call, with its end reason in the call
 * history), their room is closed so the caller is hung up on instead of left in silence, and no media
 * worker ever joined them. While they wait, the shared media queue's backlog (Temporal's task queue
 * statistics, as the flow worker's metrics read them) shows them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { JOIN_TIMEOUT_MS } from '../../activities/media/activities';
import { mediaQueueStats } from '../../workers/media-queue';
import { eventTimeMs } from '../support/history';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

const NUMBER = '+14155550133';
const MAX_CALLS = 2;
const OFFERED = 5;
/**
 * Longer than the Temporal server's cache of task queue statistics (matching.TaskQueueInfoByBuildIdTTL,
 * 5 s): a read taken before the calls queued can hide their backlog for up to 5 s, so the wait must
 * outlast it for any read to see them.
 */
const ADMISSION_WAIT_MS = 8_000;
/**
 * Temporal's timer that ends the wait fires within this of it (on a loaded 2-core machine it was once
 * 4.5 s late); still well under the 15 s default, so the call's own wait is what ended it.
 */
const TIMER_SLACK_MS = 5_000;
/**
 * A call may first reach the worker while a slot is free and fail to join the room in time
 * (JOIN_TIMEOUT_MS, seen on a loaded CI machine); by the time its retry is queued the slot may be
 * taken, and the retry then waits its own admission time. Its whole wait is that much longer.
 */
const FAILED_JOIN_MS = JOIN_TIMEOUT_MS + 1_000;
/** The caller is hung up on after the wait and closing the room; a caller left waiting would stay 60 s. */
const HANG_UP_WITHIN_MS = 30_000;
let stack: Stack;

before(async () => {
  stack = await startStack({ mediaMaxCalls: MAX_CALLS });
  const flow = await stack.post('/api/flows', { name: 'Overload', graph: salesSupportSample.graph });
  const version = await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });
  // Caching the flow's prompts runs on the shared media queue too: let it finish, so both of the
  // worker's slots are free for calls.
  await stack.temporal.client.workflow.getHandle(`warm-prompts-${version.id}`).result();
});
after(async () => {
  await stack?.stop();
});

test('a full media worker: calls beyond its limit wait their admission time, are refused (noCapacity) and hung up on; admitted calls complete', async () => {
  const calls = Array.from({ length: OFFERED }, async () => {
    const roomName = uniqueName('overload-room');
    // The admitted callers pick sales and hear it out (several seconds, longer than the wait).
    const caller = runVirtualCaller({
      ...stack.liveKit,
      roomName,
      silenceHangoverMs: 1200,
      maxDurationMs: 60_000,
      script: [{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }],
    });
    const startedAt = Date.now();
    const started = (await stack.post('/api/calls', { roomName, calledNumber: NUMBER, media: { admissionWaitMs: ADMISSION_WAIT_MS } })) as { callId: string; workflowId: string };
    const handle = stack.temporal.client.workflow.getHandle(started.workflowId);
    const result = await handle.result();
    const heard = await caller;
    return { started, result, heard, hungUpAfterMs: heard.joinedAt + heard.durationMs - startedAt, history: (await handle.fetchHistory()).events ?? [] };
  });
  // While the extra calls wait, the flow worker's metrics see them on the shared queue (Temporal's
  // task queue statistics, up to 5 s stale), as an autoscaler would.
  let waiting = true;
  let maxBacklog = 0;
  const watching = (async () => {
    while (waiting) {
      maxBacklog = Math.max(maxBacklog, (await mediaQueueStats(stack.temporal.nativeConnection, 'default')).backlog);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const outcomes = await Promise.all(calls);
  waiting = false;
  await watching;
  assert.ok(maxBacklog >= 1, `the media queue's backlog never showed the waiting calls (max ${maxBacklog})`);

  const admitted = outcomes.filter((outcome) => outcome.result.endReason !== 'noCapacity');
  const refused = outcomes.filter((outcome) => outcome.result.endReason === 'noCapacity');
  assert.equal(admitted.length, MAX_CALLS, `end reasons: ${outcomes.map((outcome) => outcome.result.endReason).join(', ')}`);
  assert.equal(refused.length, OFFERED - MAX_CALLS);
  for (const call of admitted) {
    assert.equal(call.result.endReason, 'completed');
    assert.equal(call.heard.presses[0]?.digit, '1');
    assert.equal(call.heard.hungUpByAgent, true);
  }
  for (const call of refused) {
    // The call waited for a worker for its admission wait, no longer: attachMedia timed out
    // schedule-to-start (no worker ever took it) after the configured wait.
    const scheduled = call.history.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'attachMedia');
    const timedOut = call.history.find((event) => event.activityTaskTimedOutEventAttributes);
    assert.ok(scheduled && timedOut, 'attachMedia was scheduled and timed out');
    assert.ok(!call.history.some((event) => event.activityTaskStartedEventAttributes && String(event.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduled.eventId)), 'no media worker started it');
    const waitedMs = eventTimeMs(timedOut) - eventTimeMs(scheduled);
    // An earlier attempt that reached a worker leaves its heartbeat (and its failure as the cause).
    const attributes = timedOut.activityTaskTimedOutEventAttributes;
    const triedBefore = Boolean(attributes?.failure?.timeoutFailureInfo?.lastHeartbeatDetails?.payloads?.length);
    const allowedMs = ADMISSION_WAIT_MS + TIMER_SLACK_MS + (triedBefore ? FAILED_JOIN_MS : 0);
    assert.ok(
      waitedMs >= ADMISSION_WAIT_MS && waitedMs <= allowedMs,
      `refused after waiting ${waitedMs} ms (wait ${ADMISSION_WAIT_MS} ms, allowed ${allowedMs} ms${triedBefore ? ' after a failed attempt' : ''}): ${JSON.stringify(attributes)}`,
    );
    // The caller was hung up on (the room closed), not left in silence until it gave up.
    assert.equal(call.heard.hungUpByAgent, true, call.heard.endReason);
    assert.ok(call.hungUpAfterMs < HANG_UP_WITHIN_MS, `hung up on after ${call.hungUpAfterMs} ms`);
    assert.equal(call.heard.prompts.length, 0, 'a refused caller hears no prompt');
    const record = await stack.get(`/api/calls/${encodeURIComponent(call.started.callId)}`);
    assert.equal(record.status, 'failed');
    assert.equal(record.endReason, 'noCapacity');
    const types = (record.events as Array<{ type: string; data: Record<string, unknown> }>).map((event) => event.type);
    assert.ok(!types.includes('mediaAttached'), types.join());
    const ended = (record.events as Array<{ type: string; data: Record<string, unknown> }>).find((event) => event.type === 'callEnded');
    assert.equal(ended?.data.reason, 'noCapacity');
  }
});
