/** The attach queue's slot supplier: a media worker polls for new calls only while it has room. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallCapacity } from './call-capacity';

test('slots are handed out while calls owned plus slots held stay under the limit', () => {
  let sessions = 0;
  const capacity = new CallCapacity(3, () => sessions);
  assert.ok(capacity.tryReserveSlot());
  assert.ok(capacity.tryReserveSlot());
  sessions = 1; // one attach finished: its session exists, its slot is released
  capacity.releaseSlot();
  assert.ok(capacity.tryReserveSlot(), '1 call + 1 slot held: room for one more poll');
  assert.equal(capacity.tryReserveSlot(), null, '1 call + 2 slots held = 3: no more polls');
  assert.equal(capacity.full, false);
  sessions = 3; // both attaches finished
  capacity.releaseSlot();
  capacity.releaseSlot();
  assert.equal(capacity.full, true);
  assert.equal(capacity.tryReserveSlot(), null);
  sessions = 2; // a call ended
  assert.ok(capacity.tryReserveSlot());
});

test('a reservation waits while the worker is full and resumes when a call ends', async () => {
  let sessions = 2;
  const capacity = new CallCapacity(2, () => sessions);
  let granted = false;
  const waiting = capacity.reserveSlot({}, new AbortController().signal).then(() => (granted = true));
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(granted, false, 'no slot while full');
  sessions = 1;
  await waiting;
  assert.equal(granted, true);
});

test('an aborted reservation rejects with an AbortError and holds no slot', async () => {
  const capacity = new CallCapacity(1, () => 1);
  const abort = new AbortController();
  const waiting = capacity.reserveSlot({}, abort.signal);
  abort.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  const free = new CallCapacity(1, () => 0);
  assert.ok(free.tryReserveSlot());
  assert.equal(free.tryReserveSlot(), null);
});
