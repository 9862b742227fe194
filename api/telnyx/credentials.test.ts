/**
 * Telnyx credentials saved from the Connections page: stored encrypted (real PostgreSQL), never
 * sent back, used by the Telnyx routes (against the local fake Telnyx API), with the
 * environment's keys as the fallback.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../../lib/logger';
import { LocalBlobStore } from '../../lib/blob-store';
import { artifactsDir } from '../../test/support/artifacts';
import { createTestDatabase } from '../../test/support/database';
import { createTestAccount, type TestAccount } from '../../test/support/auth';
import { createApp } from '../app';
import { startFakeTelnyxApi, type FakeTelnyxApi } from './testing/fake-telnyx-api';

const KEY = 'KEY0123456789ABCDEF_secret_wxyz';
const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');
let fake: FakeTelnyxApi;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: Server;
let base: string;
let owner: TestAccount;
const saved = { key: process.env.TELNYX_API_KEY, publicKey: process.env.TELNYX_PUBLIC_KEY, url: process.env.TELNYX_API_BASE_URL };

before(async () => {
  delete process.env.TELNYX_API_KEY;
  delete process.env.TELNYX_PUBLIC_KEY;
  fake = await startFakeTelnyxApi(KEY, {
    phone_numbers: [{ id: 'n1', phone_number: '+14155550100', status: 'active', connection_id: 'fqdn-1', connection_name: 'LiveKit SIP' }],
    fqdn_connections: [{ id: 'fqdn-1', connection_name: 'LiveKit SIP', active: true, webhook_api_version: '2' }],
    credential_connections: [],
    fqdns: [{ id: 'f1', connection_id: 'fqdn-1', fqdn: 'sip.example.com', port: 5060 }],
  });
  process.env.TELNYX_API_BASE_URL = fake.baseURL;
  database = await createTestDatabase();
  // No Temporal needed: these routes never start a workflow (the lazy connection is never used).
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = createApp({
    db: database.db,
    temporal,
    logger: createLogger('telnyx-credentials-test', 'silent'),
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    blobs: new LocalBlobStore(`${artifactsDir}telnyx-credentials-${process.pid}`),
    secretKey: randomBytes(32),
  });
  owner = await createTestAccount(database.db, { role: 'owner' });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.close();
  await database?.drop();
  await fake?.close();
  for (const [name, value] of [['TELNYX_API_KEY', saved.key], ['TELNYX_PUBLIC_KEY', saved.publicKey], ['TELNYX_API_BASE_URL', saved.url]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...owner.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

test('without credentials: nothing is set, Telnyx routes say how to set them up, the webhook URL is shown', async () => {
  const status = await call('GET', '/api/telnyx/credentials');
  assert.deepEqual(status.body.apiKey, { set: false, source: null, hint: null });
  assert.equal(status.body.webhookUrl, `${base}/api/telnyx/webhooks`);
  const numbers = await call('GET', '/api/telnyx/numbers');
  assert.equal(numbers.status, 503);
  assert.equal(numbers.body.error.code, 'telnyxNotConfigured');
});

test('saved credentials are used, and never sent back: only a masked hint', async () => {
  const bad = await call('PUT', '/api/telnyx/credentials', { apiKey: 'short', publicKey: 'not a key' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /apiKey: that is too short/);
  assert.match(bad.body.error.message, /publicKey: must be the base64 Ed25519 public key/);

  const saved = await call('PUT', '/api/telnyx/credentials', { apiKey: KEY, publicKey: PUBLIC_KEY });
  assert.equal(saved.status, 200);
  assert.deepEqual(saved.body.apiKey, { set: true, source: 'workspace', hint: '••••wxyz' });
  assert.equal(saved.body.publicKey.source, 'workspace');
  for (const response of [saved, await call('GET', '/api/telnyx/credentials'), await call('GET', '/api/workspace')]) {
    assert.ok(!response.text.includes(KEY) && !response.text.includes(PUBLIC_KEY), 'no secret in any answer');
  }
  assert.deepEqual((await call('POST', '/api/telnyx/test-connection')).body, { ok: true, baseURL: fake.baseURL });
  const numbers = await call('GET', '/api/telnyx/numbers');
  assert.deepEqual(numbers.body.map((n: { phoneNumber: string }) => n.phoneNumber), ['+14155550100']);
  const [connection] = (await call('GET', '/api/telnyx/connections')).body;
  assert.ok(connection.problems.some((problem: string) => /No webhook URL/.test(problem)));

  // Stored encrypted: the secret is in no column of the database.
  const rows = await database.pool.query('select * from credentials');
  assert.equal(rows.rows.length, 2);
  assert.ok(!JSON.stringify(rows.rows).includes(KEY), 'the API key is encrypted at rest');
  // Other workspace settings still save without touching the secrets.
  assert.equal((await call('PATCH', '/api/workspace', { settings: { allowPrivateNetwork: true } })).status, 200);
  assert.equal((await call('GET', '/api/telnyx/credentials')).body.apiKey.source, 'workspace');
});

test('removing the stored key falls back to the environment; a wrong key says so', async () => {
  process.env.TELNYX_API_KEY = 'environment-key-9999';
  const cleared = await call('PUT', '/api/telnyx/credentials', { apiKey: null });
  assert.deepEqual(cleared.body.apiKey, { set: true, source: 'environment', hint: '••••9999' });
  assert.equal(cleared.body.publicKey.source, 'workspace', 'a key left out is kept');
  const test = await call('POST', '/api/telnyx/test-connection');
  assert.equal(test.body.ok, false);
  assert.equal(test.body.error.code, 'telnyxUnauthorized');
});
