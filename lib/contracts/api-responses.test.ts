/** The answer schemas agree with what the server stores and sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALL_STATUSES } from '../../db/schema';
import { callStatus } from './api-responses';

test('CallStatus lists exactly the statuses the calls table holds', () => {
  assert.deepEqual(callStatus.options, [...CALL_STATUSES]);
});
