/**
 * Fuzzing the interpreter: random valid flows, random callers. The same flow and caller always
 * take the same path, and every recorded history replays against the code (no non-determinism).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { arbitraryFlow } from '../packages/flow-model/src/testing/arbitrary-flows';
import { path, placeScriptedCall, runnable, type CallerMove } from '../test/support/scripted-call';
import { startTestTemporal, workflowBundle } from '../test/support/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTestTemporal();
});
after(async () => {
  await env?.teardown();
});

const move: fc.Arbitrary<CallerMove> = fc.constantFrom<CallerMove>('1', '2', '9', null, { say: 'sales please' }, { say: 'mumble' }, 'hangUp');

test('random flows with random callers: same path every time, histories replay', async () => {
  const cases = fc.sample(fc.tuple(arbitraryFlow, fc.array(move, { maxLength: 6 })), { numRuns: 12, seed: 424242 });
  const endReasons = new Set<string>();
  for (const [graph, moves] of cases) {
    const flow = runnable(graph);
    const input = { limits: { maxSteps: 25 } };
    const first = await placeScriptedCall(env, { flow, moves, input });
    const second = await placeScriptedCall(env, { flow, moves, input });
    assert.equal(first.error, undefined, `call failed: ${String(first.error)}\n${JSON.stringify(graph)}`);
    assert.deepEqual(path(second), path(first), JSON.stringify({ graph, moves }));
    assert.deepEqual(second.heard, first.heard);
    assert.equal(second.result?.endReason, first.result?.endReason);
    endReasons.add(first.result?.endReason ?? 'none');
    for (const call of [first, second]) {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(JSON.parse(call.historyJson as string)), call.workflowId);
    }
  }
  // The sample reaches more than one ending (hung up by the flow, by the caller, by the step guard).
  assert.ok(endReasons.size >= 2, [...endReasons].join());
});
