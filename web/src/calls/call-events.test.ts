import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallEvent } from '../api/types';
import { describeEvent } from './call-events';

const attached = (data: Record<string, unknown>): CallEvent => ({ seq: 3, type: 'mediaAttached', nodeId: null, data, occurredAt: '2026-12-06T16:00:00.000Z' });

test('a media worker that took a call over says when the caller could hear it', () => {
  const took = describeEvent(attached({ workerId: 'vm-2', reattachment: 1, callerHeardAfterMs: 331 }), new Map());
  assert.deepEqual(took, { title: 'Another media worker took over', detail: 'vm-2 · caller could hear it after 0.3 s', tone: 'warn' });
  // Older calls (and callers that never subscribed) have no wait recorded: the worker alone.
  assert.deepEqual(describeEvent(attached({ workerId: 'vm-1', reattachment: 0 }), new Map()), { title: 'Media worker joined', detail: 'vm-1' });
});
