import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { addressAllowed, createHttpActivities, isPublicAddress, privateNetworkPolicy } from './activities';
import type { HttpRequestInput } from './types';

let server: Server;
let base: string;
const seen: Array<{ method?: string; body: string; header?: string }> = [];

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method, body, header: request.headers['x-api-key'] as string | undefined });
      if (request.url === '/customer') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customer: { name: 'Ada', tier: 2, tags: ['vip'] } }));
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('late'), 2000);
      } else if (request.url === '/text') {
        response.end('plain words');
      } else {
        response.writeHead(500).end('{"error":"boom"}');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const { httpRequest } = createHttpActivities();
const request = (overrides: Partial<HttpRequestInput>): Promise<Awaited<ReturnType<typeof httpRequest>>> =>
  httpRequest({ method: 'GET', url: `${base}/customer`, headers: [], timeoutMs: 1000, responseMappings: [], allowPrivateNetwork: true, ...overrides });

test('maps fields of the JSON answer to variables', async () => {
  const result = await request({
    responseMappings: [
      { variable: 'name', path: 'customer.name' },
      { variable: 'tier', path: 'customer.tier' },
      { variable: 'firstTag', path: 'customer.tags.0' },
      { variable: 'missing', path: 'customer.nothing' },
    ],
  });
  assert.deepEqual(result, { ok: true, status: 200, values: { name: 'Ada', tier: '2', firstTag: 'vip' } });
});

test('sends the method, headers and body', async () => {
  await request({ method: 'POST', url: `${base}/customer`, headers: [{ name: 'X-Api-Key', value: 'k1' }], body: '{"q":1}' });
  assert.deepEqual(seen.at(-1), { method: 'POST', body: '{"q":1}', header: 'k1' });
});

test('a non-JSON answer maps whole to an empty path', async () => {
  const result = await request({ url: `${base}/text`, responseMappings: [{ variable: 'all', path: '' }] });
  assert.deepEqual(result, { ok: true, status: 200, values: { all: 'plain words' } });
});

test('errors, timeouts and bad addresses come back as failures with a reason', async () => {
  assert.deepEqual(await request({ url: `${base}/fail` }), { ok: false, status: 500, error: 'The service answered 500' });
  const slow = await request({ url: `${base}/slow`, timeoutMs: 500 });
  assert.equal(slow.ok, false);
  assert.match(!slow.ok ? slow.error : '', /no answer within 500 ms/);
  const bad = await request({ url: 'not a url' });
  assert.deepEqual(bad, { ok: false, status: null, error: 'The address is not a valid URL' });
  const ftp = await request({ url: 'ftp://example.com/x' });
  assert.match(!ftp.ok ? ftp.error : '', /Only http and https/);
});

test('private and loopback addresses are refused unless the workspace allows them', async () => {
  const before = seen.length;
  const literal = await request({ allowPrivateNetwork: false });
  assert.equal(literal.ok, false);
  assert.match(!literal.ok ? literal.error : '', /127\.0\.0\.1 is a private or loopback address/);
  const byName = await request({ url: base.replace('127.0.0.1', 'localhost'), allowPrivateNetwork: false });
  assert.equal(byName.ok, false);
  assert.match(!byName.ok ? byName.error : '', /localhost is a private or loopback address/);
  assert.equal(seen.length, before, 'nothing reached the server');
});

test('the deployment can forbid private addresses, or allow only listed ones, whatever a workspace says', async () => {
  const before = seen.length;
  const never = await createHttpActivities(privateNetworkPolicy('never')).httpRequest({ method: 'GET', url: `${base}/customer`, headers: [], timeoutMs: 1000, responseMappings: [], allowPrivateNetwork: true });
  assert.match(!never.ok ? never.error : '', /private or loopback address, which this workspace \(or this deployment\) does not allow/);
  const byName = await createHttpActivities(privateNetworkPolicy('10.0.0.0/8')).httpRequest({ method: 'GET', url: base.replace('127.0.0.1', 'localhost'), headers: [], timeoutMs: 1000, responseMappings: [], allowPrivateNetwork: true });
  assert.equal(byName.ok, false, 'localhost is outside the allow-list (checked at DNS lookup)');
  assert.equal(seen.length, before, 'nothing reached the server');
  const listed = await createHttpActivities(privateNetworkPolicy('10.0.0.0/8, 127.0.0.1')).httpRequest({ method: 'GET', url: `${base}/customer`, headers: [], timeoutMs: 1000, responseMappings: [], allowPrivateNetwork: true });
  assert.equal(listed.ok, true, 'a listed address is reachable when the workspace allows private addresses');
  const notAllowedByWorkspace = await createHttpActivities(privateNetworkPolicy('127.0.0.1')).httpRequest({ method: 'GET', url: `${base}/customer`, headers: [], timeoutMs: 1000, responseMappings: [], allowPrivateNetwork: false });
  assert.equal(notAllowedByWorkspace.ok, false, 'the list does not switch the guard off for workspaces that keep it on');
  // Cloud metadata (link-local) stays out of reach even for a workspace that allows private addresses.
  assert.equal(addressAllowed('169.254.169.254', true, privateNetworkPolicy(undefined)), false);
  assert.equal(addressAllowed('fe80::1', true, privateNetworkPolicy('workspace')), false);
  assert.equal(addressAllowed('10.1.2.3', true, privateNetworkPolicy('workspace')), true);
  assert.equal(addressAllowed('169.254.169.254', true, privateNetworkPolicy('169.254.169.254')), true, 'unless listed');
  assert.throws(() => privateNetworkPolicy('10.0.0.0/8,intranet'), /'intranet' is not an address or CIDR range/);
});

test('address classification', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fc00::1', 'fe80::1', '0.0.0.0', '100.64.0.1', '::ffff:127.0.0.1']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPublicAddress(address), true, address);
});
