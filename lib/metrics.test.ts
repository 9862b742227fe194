import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMediaMetrics, createMetricsRegistry } from './metrics';
import { metricValue } from '../test/support/metrics';

test("the media worker's prompt cache counts are read at scrape time", async () => {
  const registry = createMetricsRegistry('media-worker');
  const stats = { hits: 0, misses: 0 };
  createMediaMetrics(registry, () => ({ sessions: 0, acceptingCalls: true, promptCache: stats }));
  stats.hits = 3;
  stats.misses = 1;
  let text = await registry.metrics();
  assert.equal(metricValue(text, 'switchboard_prompt_cache_total', { result: 'hit' }), 3);
  assert.equal(metricValue(text, 'switchboard_prompt_cache_total', { result: 'miss' }), 1);
  stats.hits = 5;
  text = await registry.metrics();
  assert.equal(metricValue(text, 'switchboard_prompt_cache_total', { result: 'hit' }), 5, 'not added up twice');
});
