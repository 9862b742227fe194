/** Signature checks alone (no servers): what Telnyx signs is accepted, anything else is refused with its own code. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError } from '../errors';
import { createTelnyxSigner } from './testing/signing';
import { verifyTelnyxWebhook } from './verify';

const signer = createTelnyxSigner();
const body = JSON.stringify({ data: { event_type: 'call.hangup', id: 'evt-1', occurred_at: '2026-01-01T00:00:00.000000Z', payload: {} } });

async function refusal(run: Promise<unknown>): Promise<[number, string]> {
  const error = await run.then(
    () => assert.fail('expected a refusal'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof HttpError, String(error));
  return [error.status, error.code];
}

test('a delivery signed with the configured key is accepted and parsed', async () => {
  assert.deepEqual(await verifyTelnyxWebhook(Buffer.from(body), signer.headers(body), signer.publicKey), JSON.parse(body));
});

test('within 300 s either way is accepted; beyond is stale', async () => {
  const now = Math.floor(Date.now() / 1000);
  await verifyTelnyxWebhook(body, signer.headers(body, now - 290), signer.publicKey);
  await verifyTelnyxWebhook(body, signer.headers(body, now + 290), signer.publicKey);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, signer.headers(body, now - 301), signer.publicKey)), [401, 'staleTimestamp']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, signer.headers(body, now + 301), signer.publicKey)), [401, 'staleTimestamp']);
});

test('forged, altered, wrongly keyed and unsigned deliveries are refused', async () => {
  const headers = signer.headers(body);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body.replace('hangup', 'answered'), headers, signer.publicKey)), [401, 'invalidSignature']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, createTelnyxSigner().headers(body), signer.publicKey)), [401, 'invalidSignature']);
  const otherTimestamp = { ...headers, 'telnyx-timestamp': String(Number(headers['telnyx-timestamp']) - 1) };
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, otherTimestamp, signer.publicKey)), [401, 'invalidSignature']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, { ...headers, 'telnyx-signature-ed25519': 'AAAA' }, signer.publicKey)), [401, 'invalidSignature']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, { 'telnyx-timestamp': headers['telnyx-timestamp'] }, signer.publicKey)), [400, 'missingSignature']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, { ...headers, 'telnyx-timestamp': 'yesterday' }, signer.publicKey)), [400, 'invalidTimestamp']);
});

test('a signed body that is not JSON is a 400; a broken configured key is our 500', async () => {
  const broken = '{"data":';
  assert.deepEqual(await refusal(verifyTelnyxWebhook(broken, signer.headers(broken), signer.publicKey)), [400, 'invalidJson']);
  assert.deepEqual(await refusal(verifyTelnyxWebhook(body, signer.headers(body), 'not-a-key')), [500, 'badPublicKey']);
});
