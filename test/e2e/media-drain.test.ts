/**
 * End to end (starts servers and worker processes): SIGTERM drains a media worker. It stops taking
 * new calls at once, finishes the call it owns, then exits; a new call goes to another worker.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { startProcess, type WorkerProcess } from '../support/processes';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';

let stack: Stack;
const workers: WorkerProcess[] = [];
before(async () => {
  stack = await startStack({ mediaWorker: false });
  const flow = await stack.post('/api/flows', { name: 'Drain', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550133', flowId: flow.id });
});
after(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await stack?.stop();
});

const mediaWorker = async () => {
  const worker = await startProcess('workers/media-worker.ts', { ...stack.processEnv, MEDIA_DRAIN_TIMEOUT_MS: '60000' }, 'MEDIA_WORKER_HEALTH_PORT');
  workers.push(worker);
  return worker;
};

function call(script: Parameters<typeof runVirtualCaller>[0]['script']) {
  const roomName = uniqueName('drain-room');
  const caller = runVirtualCaller({ ...stack.liveKit, roomName, silenceHangoverMs: 1200, maxDurationMs: 60_000, script });
  const started = stack.post('/api/calls', { roomName, calledNumber: '+14155550133' });
  return { roomName, caller, started };
}

async function attachedWorker(callId: string): Promise<string> {
  const record = await stack.get(`/api/calls/${encodeURIComponent(callId)}`);
  return record.events.find((event: { type: string }) => event.type === 'mediaAttached')?.data.workerId;
}

test('a media worker told to stop finishes its call, takes no new one, and exits', async () => {
  const first = await mediaWorker();
  const a = call([{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }]);
  const aStarted = await a.started;
  // Wait until the worker owns the call (the caller hears the greeting), then ask it to stop.
  for (let i = 0; i < 100 && !(await attachedWorker(aStarted.callId)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const health: any = await (await fetch(first.healthUrl)).json();
  assert.equal(health.sessions, 1);
  first.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(((await (await fetch(first.healthUrl)).json()) as any).acceptingCalls, false, 'draining: no new calls');

  // A second call arrives while the first worker drains: it must wait for another worker.
  const b = call([{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }]);
  const bStarted = await b.started;
  const second = await mediaWorker();

  const [heardA, heardB] = await Promise.all([a.caller, b.caller]);
  assert.equal(heardA.hungUpByAgent, true, 'the draining worker finished its call');
  assert.equal(heardA.presses[0]?.digitToNextPromptMs !== null, true);
  assert.equal(heardB.hungUpByAgent, true);
  const resultA = await stack.temporal.client.workflow.getHandle(aStarted.workflowId).result();
  const resultB = await stack.temporal.client.workflow.getHandle(bStarted.workflowId).result();
  assert.deepEqual([resultA.endReason, resultB.endReason], ['completed', 'completed']);

  const [workerA, workerB] = await Promise.all([attachedWorker(aStarted.callId), attachedWorker(bStarted.callId)]);
  assert.match(workerA, new RegExp(`-${first.child.pid}-`));
  assert.match(workerB, new RegExp(`-${second.child.pid}-`), 'the new call went to the worker that was not draining');

  const exit = await first.exited;
  assert.equal(exit.code, 0, first.output());
  assert.match(first.output(), /draining: no new calls/);
});

test('a media worker that has taken its share of calls (MEDIA_RECYCLE_AFTER_CALLS) drains and exits while another takes calls', async () => {
  // The workers of the test above: stop them, so the call goes to the recycling one.
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.exited));
  const recycling = await startProcess('workers/media-worker.ts', { ...stack.processEnv, MEDIA_RECYCLE_AFTER_CALLS: '1' }, 'MEDIA_WORKER_HEALTH_PORT');
  workers.push(recycling);
  const a = call([{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }]);
  const aStarted = await a.started;
  for (let i = 0; i < 100 && !(await attachedWorker(aStarted.callId)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(await attachedWorker(aStarted.callId), new RegExp(`-${recycling.child.pid}-`));
  // Another worker that takes calls (and never recycles): now the first one may go.
  const other = await startProcess('workers/media-worker.ts', { ...stack.processEnv, MEDIA_RECYCLE_AFTER_CALLS: '0' }, 'MEDIA_WORKER_HEALTH_PORT');
  workers.push(other);

  const heard = await a.caller;
  assert.equal(heard.hungUpByAgent, true, 'the call in progress was finished');
  const result = await stack.temporal.client.workflow.getHandle(aStarted.workflowId).result();
  assert.equal(result.endReason, 'completed');
  const exit = await recycling.exited;
  assert.equal(exit.code, 0, recycling.output());
  assert.match(recycling.output(), /recycling: this worker has taken its share of calls/);
  // The next call goes to the other worker, which stays.
  const b = call([{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }]);
  const bStarted = await b.started;
  assert.equal((await b.caller).hungUpByAgent, true);
  assert.match(await attachedWorker(bStarted.callId), new RegExp(`-${other.child.pid}-`));
  assert.equal(other.child.exitCode, null);
});
