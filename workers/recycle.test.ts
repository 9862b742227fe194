import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anotherWorkerTakesCalls, POLLER_FRESH_MS, recycleThreshold } from './recycle.js';

const now = 1_000_000_000;

test('another worker takes calls only if a poller other than this one asked within the freshness window', () => {
  const own = '41@media-a';
  assert.equal(anotherWorkerTakesCalls([], own, now), false, 'nobody polls');
  assert.equal(anotherWorkerTakesCalls([{ identity: own, lastAccessMs: now }], own, now), false, 'only this worker');
  assert.equal(anotherWorkerTakesCalls([{ identity: '7@media-b', lastAccessMs: now - POLLER_FRESH_MS - 1 }], own, now), false, 'a worker gone (or full) for longer than an idle poll lasts');
  assert.equal(anotherWorkerTakesCalls([{ identity: own, lastAccessMs: now }, { identity: '7@media-b', lastAccessMs: now - 30_000 }], own, now), true);
});

test('the recycling threshold: the setting plus up to 20 %, never for 0', () => {
  assert.equal(recycleThreshold(0), Infinity);
  assert.equal(recycleThreshold(500, 0), 500);
  assert.equal(recycleThreshold(500, 0.999), 600);
  assert.equal(recycleThreshold(500, 0.5), 550);
});
