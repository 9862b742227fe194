/**
 * What-if replays on the real stack (Temporal, flow worker, PostgreSQL; no media worker, no audio):
 * calls recorded by the call workflow are replayed against a draft that changes one branch, and the
 * report names exactly the calls whose path changed, and where.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { eq, inArray } from 'drizzle-orm';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { salesSupportSample, type FlowGraphInput } from '@switchboard/flow-model';
import { calls, callEvents } from '../../db/schema';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { decodeHistory } from '../../test/support/history';
import { EncryptionCodec } from '../../lib/privacy/payload-codec';
import { compareReplay, recordedCall } from './replay-script';

let stack: Stack;
let flowId = '';
const recorded: Record<string, string> = {};

/** Runs the published version with a script through the real call workflow, then keeps it as a real (not test) call. */
async function recordCall(name: string, inputs: unknown[]) {
  const run = await stack.post(`/api/flows/${flowId}/test-runs`, { version: 1, inputs });
  await stack.database.db.update(calls).set({ test: false }).where(eq(calls.id, run.callId));
  recorded[name] = run.callId;
  return run;
}

async function whatIf(body: unknown) {
  const startedAt = performance.now();
  const started = await stack.post(`/api/flows/${flowId}/what-if`, body);
  for (let attempt = 0; attempt < 120; attempt++) {
    const report = await stack.get(`/api/flows/${flowId}/what-if/${started.runId}`);
    if (report.status !== 'running') return { started, report, elapsedMs: Math.round(performance.now() - startedAt) };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the what-if run did not finish');
}

before(async () => {
  stack = await startStack({ mediaWorker: false });
  flowId = (await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph })).id;
  await stack.post(`/api/flows/${flowId}/versions`, {});
  await recordCall('pressed1', [{ digits: '1' }]);
  await recordCall('pressed2', [{ digits: '2' }]);
  await recordCall('saidNothing', [{ silence: true }, { silence: true }, { silence: true }]);
  await recordCall('wrongThen2', [{ digits: '7' }, { digits: '2' }]);
  await recordCall('hungUp', [{ hangUp: true }]);
});
after(async () => {
  await stack?.stop();
});

test('a draft that sends key 2 elsewhere: exactly the calls that pressed 2 take another path, parting after the menu', async (t) => {
  const draft: FlowGraphInput = structuredClone(salesSupportSample.graph);
  draft.nodes.push({ id: 'supportClosed', type: 'greet', label: 'Support closed', config: { text: 'Support is closed today.' } });
  draft.edges = (draft.edges ?? []).map((edge) => (edge.from === 'mainMenu' && edge.exit === 'support' ? { ...edge, to: 'supportClosed' } : edge));
  draft.edges.push({ from: 'supportClosed', exit: 'next', to: 'goodbye' });
  // The support step stays in the draft, unreachable, so the draft still has problems: drop it.
  draft.nodes = draft.nodes.filter((node) => node.id !== 'support');
  draft.edges = draft.edges.filter((edge) => edge.from !== 'support');
  await fetch(`${stack.api}/api/flows/${flowId}/draft`, { method: 'PUT', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ graph: draft }) });

  const before = await stack.database.db.select({ id: calls.id }).from(calls);
  const { started, report, elapsedMs } = await whatIf({ limit: 10 });
  t.diagnostic(`5 calls replayed, 4 at a time, in ${elapsedMs} ms (start to report, polling every 500 ms)`);
  assert.equal(started.total, 5);
  assert.equal(report.status, 'completed');
  assert.equal(report.version, 'draft');
  assert.equal(report.done, 5);
  assert.deepEqual(report.totals, { samePath: 3, differentPath: 2, endedDifferently: 0, couldNotReplay: 0 });

  const byCall = new Map((report.calls as Array<any>).map((line) => [line.callId, line]));
  for (const name of ['pressed2', 'wrongThen2']) {
    const line = byCall.get(recorded[name]);
    assert.equal(line.outcome, 'differentPath', name);
    assert.deepEqual(line.parted, { after: 'mainMenu', original: 'support', replay: 'supportClosed', index: 2 }, name);
    assert.deepEqual(line.replayPath, ['welcome', 'mainMenu', 'supportClosed', 'goodbye']);
  }
  for (const name of ['pressed1', 'saidNothing', 'hungUp']) assert.equal(byCall.get(recorded[name]).outcome, 'samePath', name);
  assert.deepEqual(byCall.get(recorded.saidNothing).replayPath, ['welcome', 'mainMenu', 'noChoice']);

  // Nothing was recorded as a call: no new call rows, no events under the replays' ids.
  const afterRows = await stack.database.db.select({ id: calls.id }).from(calls);
  assert.equal(afterRows.length, before.length);
  const replayEvents = await stack.database.db.select({ id: callEvents.id }).from(callEvents).where(inArray(callEvents.callId, [`what-if-${started.runId}-1`]));
  assert.equal(replayEvents.length, 0);

  // The run's history, decrypted, for the replay fixtures (workflows/histories/what-if-replay.json).
  const history = await stack.temporal.client.workflow.getHandle(`what-if-${started.runId}`).fetchHistory();
  await writeFile(`${artifactsDir}what-if-replay.history.json`, historyToJSON(await decodeHistory(history, new EncryptionCodec(stack.privacy.payloadKeys))));
});

test('a draft that asks for more than the callers gave reports them as not replayable; the published version replays the same', async () => {
  const draft: FlowGraphInput = structuredClone(salesSupportSample.graph);
  draft.nodes.push({ id: 'why', type: 'listen', label: 'Why', config: { prompt: 'Briefly, why are you calling?' } });
  draft.edges = (draft.edges ?? []).map((edge) => (edge.from === 'sales' ? { ...edge, to: 'why' } : edge));
  draft.edges.push({ from: 'why', exit: 'heard', to: 'goodbye' }, { from: 'why', exit: 'noInput', to: 'goodbye' });
  await fetch(`${stack.api}/api/flows/${flowId}/draft`, { method: 'PUT', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ graph: draft }) });
  const { report } = await whatIf({ limit: 10, concurrency: 2 });
  const pressed1 = (report.calls as Array<any>).find((line) => line.callId === recorded.pressed1);
  assert.equal(pressed1.outcome, 'couldNotReplay');
  assert.match(pressed1.reason, /asked the caller for 1 more answer/);
  assert.deepEqual(pressed1.parted, { after: 'sales', original: 'goodbye', replay: 'why', index: 3 });
  assert.equal(report.totals.couldNotReplay, 1);

  const published = await whatIf({ version: 1, limit: 10 });
  assert.deepEqual(published.report.totals, { samePath: 5, differentPath: 0, endedDifferently: 0, couldNotReplay: 0 });
});

test('bad requests say what is wrong; other flows see no run', async () => {
  await assert.rejects(stack.post(`/api/flows/${flowId}/what-if`, { limit: 0 }), /400.*limit/);
  await assert.rejects(stack.post(`/api/flows/${flowId}/what-if`, { from: '2026-12-05T00:00:00Z', to: '2026-12-01T00:00:00Z' }), /400.*from must be before to/);
  await assert.rejects(stack.post(`/api/flows/${flowId}/what-if`, { from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' }), /422.*no ended calls/);
  const other = (await stack.post('/api/flows', { name: 'Other', graph: salesSupportSample.graph })).id;
  const run = await stack.post(`/api/flows/${flowId}/what-if`, { limit: 1 });
  await assert.rejects(stack.get(`/api/flows/${other}/what-if/${run.runId}`), /404/);
});

test('inputs are read back from stored events in order; paths part where they first differ', () => {
  const call = recordedCall(
    [
      { type: 'nodeEntered', nodeId: 'menu', data: {} },
      { type: 'noInput', nodeId: 'menu', data: {} },
      { type: 'digit', nodeId: 'menu', data: { digit: '3' } },
      { type: 'nodeEntered', nodeId: 'lookup', data: {} },
      { type: 'httpRequestDone', nodeId: 'lookup', data: { status: 200 } },
      { type: 'nodeEntered', nodeId: 'ask', data: {} },
      { type: 'callerSaid', nodeId: 'ask', data: { transcript: 'my order' } },
      { type: 'nodeEntered', nodeId: 'toDesk', data: {} },
      { type: 'transferStarted', nodeId: 'toDesk', data: {} },
      { type: 'callEnded', nodeId: 'toDesk', data: { reason: 'transferred', variables: { 'flow.name': 'Ada' } } },
    ],
    'transferred',
    {
      start: 'menu',
      nodes: [{ id: 'lookup', type: 'httpRequest', typeVersion: 1, config: { method: 'GET', url: 'https://x.test', headers: [], timeoutMs: 5000, responseMappings: [{ variable: 'name', path: 'customer.name' }] } }],
      edges: [],
    },
  );
  assert.deepEqual(call.script.inputs, [{ silence: true }, { digits: '3' }, { say: 'my order' }]);
  assert.deepEqual(call.script.httpResponses, [{ status: 200, body: { customer: { name: 'Ada' } } }]);
  assert.deepEqual(call.transfers, [true]);
  assert.deepEqual(call.path, ['menu', 'lookup', 'ask', 'toDesk']);
  assert.deepEqual(compareReplay(call, { path: ['menu', 'lookup', 'ask', 'toDesk'], endReason: 'completed', missingInputs: 0, missingHttpResponses: 0 }), { outcome: 'endedDifferently' });
  assert.deepEqual(compareReplay(call, { path: ['menu', 'other'], endReason: 'completed', missingInputs: 0, missingHttpResponses: 0 }), {
    outcome: 'differentPath',
    parted: { after: 'menu', original: 'lookup', replay: 'other', index: 1 },
  });
});
