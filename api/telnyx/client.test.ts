/** The Telnyx client and its routes against a local server that speaks Telnyx's REST API v2. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { errorHandler, unknownRoute } from '../errors';
import { telnyxApiRoutes } from './api-routes';
import { createTelnyxApi, type TelnyxApi } from './client';
import { startFakeTelnyxApi, type FakeTelnyxApi } from './testing/fake-telnyx-api';

const KEY = 'KEY0190_test_secret';
let fake: FakeTelnyxApi;
let server: Server;
let base: string;

before(async () => {
  fake = await startFakeTelnyxApi(KEY, {
    phone_numbers: Array.from({ length: 260 }, (_, index) => ({
      id: `num-${index}`,
      record_type: 'phone_number',
      phone_number: `+1415555${String(index).padStart(4, '0')}`,
      status: 'active',
      connection_id: index === 0 ? 'fqdn-1' : null,
      connection_name: index === 0 ? 'LiveKit SIP' : null,
      tags: [],
    })),
    fqdn_connections: [
      { id: 'fqdn-1', record_type: 'fqdn_connection', connection_name: 'LiveKit SIP', active: true, webhook_event_url: 'https://sb.example/api/telnyx/webhooks', webhook_api_version: '2' },
      { id: 'fqdn-2', record_type: 'fqdn_connection', connection_name: 'Old trunk', active: false },
    ],
    credential_connections: [{ id: 'cred-1', record_type: 'credential_connection', connection_name: 'Softphone', active: true, user_name: 'sb', webhook_api_version: '1' }],
    fqdns: [{ id: 'f-1', record_type: 'fqdn', connection_id: 'fqdn-1', fqdn: 'abc123.sip.livekit.cloud', port: 5060, dns_record_type: 'a' }],
  });
  const app = express();
  app.use('/api', telnyxApiRoutes(createTelnyxApi({ apiKey: KEY, baseURL: fake.baseURL })));
  app.use('/bad-key/api', telnyxApiRoutes(createTelnyxApi({ apiKey: 'wrong', baseURL: fake.baseURL, maxRetries: 0 })));
  app.use('/no-key/api', telnyxApiRoutes(createTelnyxApi({ apiKey: '', baseURL: fake.baseURL })));
  app.use(unknownRoute);
  app.use(errorHandler(() => undefined));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server?.close();
  await fake?.close();
});

async function call(method: string, path: string) {
  const response = await fetch(`${base}${path}`, { method });
  return { status: response.status, body: (await response.json()) as any };
}

test('lists every phone number across pages, with its connection', async () => {
  const numbers = await call('GET', '/api/telnyx/numbers');
  assert.equal(numbers.status, 200);
  assert.equal(numbers.body.length, 260, 'both pages of 250 are read');
  assert.deepEqual(numbers.body[0], { id: 'num-0', phoneNumber: '+14155550000', status: 'active', connectionId: 'fqdn-1', connectionName: 'LiveKit SIP' });
  assert.ok(fake.requests.includes('GET /v2/phone_numbers?page%5Bsize%5D=250&page%5Bnumber%5D=2'), fake.requests.join('\n'));
});

test('test-connection says whether the API key is accepted', async () => {
  assert.deepEqual((await call('POST', '/api/telnyx/test-connection')).body, { ok: true, baseURL: fake.baseURL });
  const refused = await call('POST', '/bad-key/api/telnyx/test-connection');
  assert.equal(refused.status, 200);
  assert.equal(refused.body.ok, false);
  assert.equal(refused.body.error.code, 'telnyxUnauthorized');
});

test('SIP connections show their FQDNs, webhook set-up and problems', async () => {
  const { status, body } = await call('GET', '/api/telnyx/connections');
  assert.equal(status, 200);
  assert.deepEqual(
    body.map((connection: any) => [connection.id, connection.type, connection.active, connection.problems.length]),
    [
      ['fqdn-1', 'fqdn', true, 0],
      ['fqdn-2', 'fqdn', false, 3],
      ['cred-1', 'credential', true, 2],
    ],
  );
  assert.deepEqual(body[0].fqdns, [{ fqdn: 'abc123.sip.livekit.cloud', port: 5060 }]);
  assert.match(body[2].problems.join(' '), /Webhook API version must be 2/);
});

test('a refused key or a missing key is a clear JSON error', async () => {
  const refused = await call('GET', '/bad-key/api/telnyx/numbers');
  assert.equal(refused.status, 502);
  assert.equal(refused.body.error.code, 'telnyxUnauthorized');
  const missing = await call('GET', '/no-key/api/telnyx/connections');
  assert.equal(missing.status, 503);
  assert.equal(missing.body.error.code, 'telnyxNotConfigured');
});

test('an unreachable API is reported, not thrown', async () => {
  const api: TelnyxApi = createTelnyxApi({ apiKey: KEY, baseURL: 'http://127.0.0.1:1/v2', maxRetries: 0 });
  const result = await api.testConnection();
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, 'telnyxUnreachable');
});
