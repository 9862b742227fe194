/** Which Temporal UI requests only read, and how writes are named in the audit log (api/temporal-ui.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTemporalUiRead, temporalUiAction } from './temporal-ui';

const ns = '/temporal/api/v1/namespaces/default';

test('GETs and workflow queries read; every other request of the UI changes something', () => {
  for (const [method, path] of [
    ['GET', '/temporal/namespaces/default/workflows/call-1'],
    ['GET', `${ns}/workflows/call-1/history`],
    ['HEAD', '/temporal/'],
    ['POST', `${ns}/workflows/call-1/query/__stack_trace`],
    ['POST', `${ns}/workflows/call-1/runs/01abc/query/getState`],
  ] as const) {
    assert.equal(isTemporalUiRead(method, path), true, `${method} ${path}`);
  }
  for (const [method, path] of [
    ['POST', `${ns}/workflows/call-1/terminate`],
    ['POST', `${ns}/workflows/call-1/cancel`],
    ['POST', `${ns}/workflows/call-1/reset`],
    ['POST', `${ns}/workflows/call-1/signal/callerHungUp`],
    ['POST', `${ns}/workflows/call-1/update/x`],
    ['POST', `${ns}/batch-operations/abc`],
    ['DELETE', `${ns}/schedules/s1`],
    ['POST', `${ns}/workflows/query/x/terminate`],
    ['PUT', `${ns}/workflows/call-1/query/x`],
  ] as const) {
    assert.equal(isTemporalUiRead(method, path), false, `${method} ${path}`);
  }
});

test('a write is audited as temporal.<action> on its workflow', () => {
  assert.deepEqual(temporalUiAction('/api/v1/namespaces/default/workflows/call-test-1/terminate'), { action: 'temporal.terminate', workflowId: 'call-test-1' });
  assert.deepEqual(temporalUiAction('/api/v1/namespaces/default/workflows/call%2Fodd/runs/01abc/reset'), { action: 'temporal.reset', workflowId: 'call/odd' });
  assert.deepEqual(temporalUiAction('/api/v1/namespaces/default/workflows/call-1/signal/callerHungUp'), { action: 'temporal.signal', workflowId: 'call-1' });
  assert.deepEqual(temporalUiAction('/api/v1/namespaces/default/batch-operations/job-1'), { action: 'temporal.batch-operations', workflowId: null });
});
