/**
 * End to end (starts servers and worker processes), the production shape: two LiveKit server nodes
 * sharing Redis (LiveKit's multi-node mode), a flow worker process running the prebuilt workflow
 * bundle and two media worker processes (MEDIA_MAX_CALLS=3 each), one connected to each LiveKit
 * node; callers connect to either node. Six calls at once fill both workers, three each; when one
 * is drained (SIGTERM) its calls finish on it, new calls go to the other, and it exits. LiveKit
 * placed the calls' rooms on both nodes, and every call finished wherever its room, its caller and
 * its media worker were. Every process's /metrics moves with the calls, and no log line carries a
 * phone number.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { runVirtualCaller, type VirtualCallerResult } from '../../tools/caller/virtual-caller';
import { metricValue, scrape } from '../support/metrics';
import { startProcess, type WorkerProcess } from '../support/processes';
import { artifactsDir, startStack, TEST_REDIS_ADDRESS, type Stack } from '../support/stack';
// @ts-expect-error plain .mjs helper without types
import { startLiveKit } from '../../scripts/lib/services.mjs';
import { uniqueName } from '../support/temporal';

const NUMBER = '+14155550144';
const CALLER = '+14155550177';
let stack: Stack;
/** The second LiveKit node (the stack's own is the first). */
let nodeB: { url: string; logFile: string; stop(): Promise<void> };
/** Every call's room, in the order the calls were placed. */
const rooms: string[] = [];
let flowWorker: WorkerProcess;
let mediaA: WorkerProcess;
let mediaB: WorkerProcess;
const processes: WorkerProcess[] = [];

before(async () => {
  const redisDb = 1 + (process.pid % 15);
  stack = await startStack({ mediaWorker: false, flowWorker: false, liveKit: { redisDb, logLevel: 'info' } });
  nodeB = await startLiveKit({
    redisAddress: TEST_REDIS_ADDRESS,
    redisDb,
    apiKey: stack.liveKit.apiKey,
    apiSecret: stack.liveKit.apiSecret,
    logLevel: 'info',
    logFile: `${artifactsDir}livekit-node-b-${process.pid}.log`,
  });
  const bundlePath = `${await mkdtemp(`${tmpdir()}/switchboard-bundle-`)}/workflow-bundle.js`;
  await buildWorkflowBundle(bundlePath);
  // Each process is tracked as soon as it is up, so a failed start leaves none running (a live
  // child keeps this file from ending until its timeout).
  const track = async (started: Promise<WorkerProcess>) => {
    const worker = await started;
    processes.push(worker);
    return worker;
  };
  flowWorker = await track(startProcess('workers/flow-worker.ts', { ...stack.processEnv, WORKFLOW_BUNDLE_PATH: bundlePath }, 'FLOW_WORKER_HEALTH_PORT'));
  const media = await Promise.allSettled(
    [stack.liveKit.url, nodeB.url].map((liveKitUrl) =>
      track(startProcess('workers/media-worker.ts', { ...stack.processEnv, LIVEKIT_URL: liveKitUrl, MEDIA_DRAIN_TIMEOUT_MS: '60000', MEDIA_MAX_CALLS: '3' }, 'MEDIA_WORKER_HEALTH_PORT')),
    ),
  );
  for (const started of media) if (started.status === 'rejected') throw started.reason;
  [mediaA, mediaB] = media.map((started) => (started as PromiseFulfilledResult<WorkerProcess>).value) as [WorkerProcess, WorkerProcess];
  const flow = await stack.post('/api/flows', { name: 'Scaling', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });
});
after(async () => {
  for (const worker of processes) worker.child.kill('SIGKILL');
  await nodeB?.stop();
  await stack?.stop();
});

const url = (worker: WorkerProcess, path: string) => worker.healthUrl.replace('/healthz', path);
const json = async (worker: WorkerProcess, path: string) => {
  const response = await fetch(url(worker, path));
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

/** One caller: hears the menu, presses 1 (sales), hears the sales message and is hung up on. */
function call() {
  const roomName = uniqueName('scale-room');
  rooms.push(roomName);
  const caller = runVirtualCaller({
    ...stack.liveKit,
    url: rooms.length % 2 ? stack.liveKit.url : nodeB.url,
    roomName,
    silenceHangoverMs: 1200,
    maxDurationMs: 90_000,
    script: [{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }],
  });
  const started = stack.post('/api/calls', { roomName, calledNumber: NUMBER, callerNumber: CALLER }) as Promise<{ callId: string; workflowId: string }>;
  return { caller, started };
}

async function events(callId: string): Promise<Array<{ type: string; data: Record<string, any> }>> {
  return (await stack.get(`/api/calls/${encodeURIComponent(callId)}`)).events;
}
async function attachedWorker(callId: string): Promise<string | undefined> {
  return (await events(callId)).find((event) => event.type === 'mediaAttached')?.data.workerId;
}
async function waitForAttached(callIds: string[]): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const workers = await Promise.all(callIds.map(attachedWorker));
    if (workers.every(Boolean)) return workers as string[];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('calls were not attached to a media worker within 30 s');
}
const ownedBy = (worker: WorkerProcess) => new RegExp(`-${worker.child.pid}-`);

async function finish(calls: ReturnType<typeof call>[]): Promise<{ heard: VirtualCallerResult[]; started: Array<{ callId: string; workflowId: string }> }> {
  const started = await Promise.all(calls.map((c) => c.started));
  const heard = await Promise.all(calls.map((c) => c.caller));
  const results = await Promise.all(started.map((s) => stack.temporal.client.workflow.getHandle(s.workflowId).result()));
  assert.deepEqual(results.map((r) => r.endReason), started.map(() => 'completed'));
  for (const result of heard) assert.equal(result.hungUpByAgent, true);
  return { heard, started };
}

test('six calls at once fill two media workers of three calls each, and every process counts them in /metrics', async (t) => {
  const [readyA, readyB, readyFlow] = await Promise.all([json(mediaA, '/readyz'), json(mediaB, '/readyz'), json(flowWorker, '/readyz')]);
  assert.equal(readyA.status, 200);
  assert.equal(readyB.status, 200);
  assert.deepEqual([readyA.body.acceptingCalls, readyA.body.draining, readyA.body.full, readyA.body.sessions, readyA.body.maxCalls], [true, false, false, 0, 3]);
  assert.equal(readyFlow.status, 200);
  assert.equal(readyFlow.body.prebuiltBundle, true, 'the flow worker runs the bundle built ahead of time');

  const calls = Array.from({ length: 6 }, () => call());
  const started = await Promise.all(calls.map((c) => c.started));
  const workers = await waitForAttached(started.map((s) => s.callId));
  // While the calls are in progress both workers are full: live, not ready, taking no new call.
  const [during, fullA, fullB] = await Promise.all([
    Promise.all([scrape(url(mediaA, '/metrics')), scrape(url(mediaB, '/metrics'))]),
    json(mediaA, '/readyz'),
    json(mediaB, '/readyz'),
  ]);
  const activeDuring = during.map((text) => metricValue(text, 'switchboard_calls_active'));
  const acceptingDuring = during.map((text) => metricValue(text, 'switchboard_media_accepting_calls'));
  const { heard } = await finish(calls);
  // A call moves when its worker looks lost (a starved process on a loaded machine): nothing is
  // lost, but its turn is then counted where it went on.
  const moves = (await Promise.all(started.map((s) => events(s.callId)))).flatMap((list) => list.filter((event) => event.type === 'mediaLost'));
  if (moves.length) t.diagnostic(`calls moved: ${moves.map((event) => `${event.data.failure} from ${event.data.workerId}`).join('; ')}`);

  const onA = workers.filter((id) => ownedBy(mediaA).test(id)).length;
  const onB = workers.filter((id) => ownedBy(mediaB).test(id)).length;
  assert.equal(onA + onB, 6, `calls went to ${workers.join(', ')}`);
  assert.deepEqual([onA, onB], [3, 3], 'each worker took as many calls as it takes, no more');
  assert.deepEqual(activeDuring, [3, 3], 'calls active while the calls run');
  assert.deepEqual(acceptingDuring, [0, 0], 'full workers take no new calls');
  assert.deepEqual([fullA.status, fullA.body.full, fullB.status, fullB.body.full], [503, true, 503, true], 'a full worker is not ready');
  assert.equal((await json(mediaA, '/healthz')).status, 200, 'but live');

  const [textA, textB, textFlow] = await Promise.all([scrape(url(mediaA, '/metrics')), scrape(url(mediaB, '/metrics')), scrape(url(flowWorker, '/metrics'))]);
  await Promise.all([writeFile(`${artifactsDir}metrics-media-worker.txt`, textA), writeFile(`${artifactsDir}metrics-flow-worker.txt`, textFlow)]);
  // Turn latency: one turn per call (the key press → the sales message), on the worker that had the call.
  const turnsA = metricValue(textA, 'switchboard_turn_latency_seconds_count', { input: 'digit' });
  const turnsB = metricValue(textB, 'switchboard_turn_latency_seconds_count', { input: 'digit' });
  if (!moves.length) assert.deepEqual([turnsA, turnsB], [onA, onB], 'one turn per call, on the worker that had the call');
  // (A call that moved between the key and the next prompt has no turn to count.)
  else assert.ok(turnsA + turnsB <= 6 && turnsA + turnsB >= 6 - moves.length, `turns ${turnsA} + ${turnsB} for 6 calls, ${moves.length} moved`);
  const latencySum = metricValue(textA, 'switchboard_turn_latency_seconds_sum') + metricValue(textB, 'switchboard_turn_latency_seconds_sum');
  assert.ok(latencySum > 0 && latencySum / 6 < 5, `mean turn latency ${(latencySum / 6).toFixed(3)} s`);
  t.diagnostic(`calls per worker: A ${onA}, B ${onB}; mean turn latency (worker side) ${((latencySum / 6) * 1000).toFixed(0)} ms`);
  // The caller measured the same turn from the other side (digit sent → prompt heard); it includes network and playout.
  // When the key lands just as a prompt begins (a slow gap between the welcome and the menu can end
  // the caller's prompt early), the answer runs on in that prompt: the caller measured the key → its end.
  for (const { presses } of heard) {
    const measured = presses[0]?.digitToNextPromptMs ?? presses[0]?.digitToSilenceMs ?? -1;
    assert.ok(measured >= 0, `the caller measured its turn: ${JSON.stringify(presses)}`);
  }
  assert.equal(metricValue(textA, 'switchboard_calls_active') + metricValue(textB, 'switchboard_calls_active'), 0, 'no calls left');
  // The flow worker counted the calls, and forwards the Temporal SDK's own metrics.
  assert.equal(metricValue(textFlow, 'switchboard_calls_answered_total'), 6);
  assert.equal(metricValue(textFlow, 'switchboard_calls_ended_total', { reason: 'completed' }), 6);
  assert.match(textFlow, /^temporal_workflow_completed\{/m);
  assert.match(textA, /^temporal_activity_execution_latency_bucket\{/m);
});

test('a drained media worker finishes its calls on itself while new calls go to the other', async () => {
  // Three calls: one worker has at least two, the other at most one, so it has room for two more.
  const first = Array.from({ length: 3 }, () => call());
  const started = await Promise.all(first.map((c) => c.started));
  const workers = await waitForAttached(started.map((s) => s.callId));
  // Drain the worker holding more of these calls (the dispatch between them is Temporal's choice).
  const firstOnA = workers.filter((id) => ownedBy(mediaA).test(id)).length;
  const [drained, other] = firstOnA >= 2 ? [mediaA, mediaB] : [mediaB, mediaA];
  const drainedCalls = started.filter((_, i) => ownedBy(drained).test(workers[i]!)).map((s) => s.callId);
  assert.ok(drainedCalls.length >= 2);

  drained.child.kill('SIGTERM');
  let ready = await json(drained, '/readyz');
  for (let i = 0; i < 20 && !ready.body.draining; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    ready = await json(drained, '/readyz');
  }
  assert.equal(ready.status, 503, 'a draining worker is not ready');
  assert.equal(ready.body.draining, true);
  const live = await json(drained, '/healthz');
  assert.equal(live.status, 200, 'but it is live: it is finishing its calls');
  assert.ok(live.body.sessions >= 1, `it still holds its calls (${live.body.sessions})`);

  // New calls arrive during the drain.
  const second = Array.from({ length: 2 }, () => call());
  const { started: secondStarted } = await finish(second);
  const secondWorkers = await Promise.all(secondStarted.map((s) => attachedWorker(s.callId)));
  for (const id of secondWorkers) assert.match(id ?? '', ownedBy(other), 'new calls go to the worker that is not draining');

  await finish(first);
  for (const callId of drainedCalls) {
    const types = (await events(callId)).map((event) => event.type);
    assert.equal(types.filter((type) => type === 'mediaAttached').length, 1, 'the call stayed on the drained worker');
    assert.ok(!types.includes('mediaLost'), 'no hand-over was needed');
  }
  const exit = await drained.exited;
  assert.equal(exit.code, 0, drained.output());
  assert.equal((await json(other, '/readyz')).status, 200);
});

/** Rooms a LiveKit node hosted (it logs each participant's RTC session on the node of its room). */
function roomsHostedBy(logFile: string): Set<string> {
  const hosted = new Set<string>();
  for (const match of readFileSync(logFile, 'utf8').matchAll(/starting RTC session\t\{"room": "([^"]+)"/g)) hosted.add(match[1]!);
  return hosted;
}

test('LiveKit placed the calls on both nodes, and each call ran on one node whichever node its caller and media worker used', (t) => {
  const [onA, onB] = [roomsHostedBy(stack.liveKit.logFile), roomsHostedBy(nodeB.logFile)];
  for (const room of rooms) assert.ok(onA.has(room) !== onB.has(room), `room ${room} was hosted by exactly one node (A ${onA.has(room)}, B ${onB.has(room)})`);
  const countA = rooms.filter((room) => onA.has(room)).length;
  t.diagnostic(`${rooms.length} calls: ${countA} rooms on node A, ${rooms.length - countA} on node B`);
  // LiveKit picks a node at random for each new room: with 11 calls, one node has all of them 1 time in 1024.
  assert.ok(countA > 0 && countA < rooms.length, `rooms on node A: ${countA} of ${rooms.length}`);
});

test('the processes log JSON lines, and phone numbers appear in none of them', () => {
  let checked = 0;
  for (const worker of processes) {
    const lines = worker.output().split('\n').filter((line) => line.startsWith('{'));
    assert.ok(lines.length >= 1, `${worker.child.pid} logged no JSON line`);
    for (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; level?: number };
      assert.equal(typeof entry.msg, 'string');
      for (const number of [NUMBER, CALLER, NUMBER.slice(1), CALLER.slice(1)]) assert.ok(!line.includes(number), `a log line carries a phone number: ${line}`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} log lines checked`);
});
