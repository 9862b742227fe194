/** The API's /metrics, /healthz and /readyz, against real PostgreSQL and a real Temporal dev server. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LocalBlobStore } from '../lib/blob-store';
import { createLogger } from '../lib/logger';
import { createMetricsRegistry } from '../lib/metrics';
import { artifactsDir } from '../test/support/artifacts';
import { createTestDatabase } from '../test/support/database';
import { metricValue, scrape } from '../test/support/metrics';
import { startTestTemporal } from '../test/support/temporal';
import { createApp } from './app';
import { createTestAccount } from '../test/support/auth';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: Server;
let base: string;
let auth: Record<string, string>;

before(async () => {
  [env, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  const app = createApp({
    db: database.db,
    temporal: env.client,
    logger: createLogger('api-metrics-test', 'silent'),
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    blobs: new LocalBlobStore(`${artifactsDir}api-metrics-storage-${process.pid}`),
    metrics: createMetricsRegistry('api'),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = (await createTestAccount(database.db)).headers;
});
after(async () => {
  server?.close();
  await database?.drop();
  await env?.teardown();
});

const durations = 'switchboard_http_request_duration_seconds_count';

test('request durations are counted by route pattern and status, never by raw path', async () => {
  const before = await scrape(`${base}/metrics`);
  assert.equal(metricValue(before, durations, { route: '/api/flows' }), 0);

  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/api/flows`, { headers: auth })).status, 200);
  const bad = await fetch(`${base}/api/flows`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(bad.status, 400);
  const unknownId = '6f1c2d4e-0000-4000-8000-000000000000';
  assert.equal((await fetch(`${base}/api/flows/${unknownId}`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${base}/api/no-such-route`, { headers: auth })).status, 404);

  const text = await scrape(`${base}/metrics`);
  assert.equal(metricValue(text, durations, { method: 'GET', route: '/api/flows', status: '200', process: 'api' }), 3);
  assert.equal(metricValue(text, durations, { method: 'POST', route: '/api/flows', status: '400' }), 1);
  assert.equal(metricValue(text, durations, { method: 'GET', route: '/api/flows/:flowId', status: '404' }), 1);
  assert.equal(metricValue(text, durations, { route: 'unmatched', status: '404' }), 1);
  assert.doesNotMatch(text, new RegExp(unknownId), 'ids never become label values');
  // Node process metrics come along.
  assert.ok(metricValue(text, 'process_cpu_user_seconds_total') > 0);
});

test('/healthz and /readyz report the database and Temporal', async () => {
  for (const path of ['/healthz', '/readyz']) {
    const response = await fetch(`${base}${path}`, { headers: auth });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { healthy: true, database: 'ok', temporal: 'ok' });
  }
});
