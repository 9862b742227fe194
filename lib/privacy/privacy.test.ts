/** Payload codec, encrypted blob store, key rings and the caller hash (no servers needed). */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure } from '@temporalio/common/lib/internal-non-workflow';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import proto from '@temporalio/proto';
import { LocalBlobStore, recordingKey } from '../blob-store';
import { callerNumberHash } from './caller-hash';
import { EncryptedBlobStore } from './encrypted-blob-store';
import { generatePrivacyKeys, newKeyRingEntry, parseKeyRing, readPrivacyKeys } from './keys';
import { boundWorkflowId, ENCRYPTED_ENCODING, EncryptionCodec, encryptingDataConverter, KEY_ID_METADATA, WORKFLOW_ID_METADATA } from './payload-codec';

const { temporal } = proto;

const input = { callId: 'c1', callerNumber: '+14155550199', vars: { 'ask.transcript': 'my order is late' } };
const str = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

test('the codec encrypts a payload beyond recognition and decodes it back exactly', async () => {
  const keys = generatePrivacyKeys().payloadKeys;
  const codec = new EncryptionCodec(keys);
  const plain = defaultPayloadConverter.toPayload(input);
  const [encrypted] = await codec.encode([plain]);
  assert.equal(str(encrypted?.metadata?.encoding), ENCRYPTED_ENCODING);
  assert.equal(str(encrypted?.metadata?.[KEY_ID_METADATA]), keys.current.id);
  for (const secret of ['4155550199', 'my order', 'json/plain', 'callerNumber']) assert.ok(!Buffer.from(encrypted!.data!).includes(secret), secret);
  const [decoded] = await codec.decode([encrypted!]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), input);
  // Same payload twice: different ciphertexts (a fresh IV each time).
  const [again] = await codec.encode([plain]);
  assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(encrypted!.data!));
});

test('rotation: payloads under an old key still decode once a new key comes first; unknown keys and tampering fail', async () => {
  const old = newKeyRingEntry('k1');
  const [encrypted] = await new EncryptionCodec(parseKeyRing('X', old)).encode([defaultPayloadConverter.toPayload(input)]);
  const rotated = new EncryptionCodec(parseKeyRing('X', `${newKeyRingEntry('k2')},${old}`));
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([encrypted!]))[0]!), input);
  const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(input)]);
  assert.equal(str(fresh?.metadata?.[KEY_ID_METADATA]), 'k2');

  await assert.rejects(new EncryptionCodec(parseKeyRing('X', newKeyRingEntry('k3'))).decode([encrypted!]), /key "k1", which is not in TEMPORAL_PAYLOAD_KEYS/);
  const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!) };
  tampered.data[20] = (tampered.data[20] ?? 0) ^ 1;
  await assert.rejects(rotated.decode([tampered]), /could not be decrypted with key "k1"/);
  // A payload relabelled to another key id fails too (the key id is authenticated).
  const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
  await assert.rejects(rotated.decode([relabelled]));
});

test("payloads are bound to their workflow: its id is in the metadata and authenticated; unbound ones still decode", async () => {
  const codec = new EncryptionCodec(generatePrivacyKeys().payloadKeys);
  const plain = defaultPayloadConverter.toPayload(input);
  const [bound] = await codec.encode([plain], { type: 'activity', namespace: 'default', workflowId: 'call-c1', activityId: '3', isLocal: false });
  assert.equal(boundWorkflowId(bound!), 'call-c1');
  assert.equal(str(bound?.metadata?.[WORKFLOW_ID_METADATA]), 'call-c1');
  assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([bound!]))[0]!), input);
  // Moved to another workflow (say, one of the reader's own workspace), or stripped of its binding: refused.
  for (const metadata of [{ ...bound!.metadata, [WORKFLOW_ID_METADATA]: Buffer.from('call-other') }, Object.fromEntries(Object.entries(bound!.metadata!).filter(([key]) => key !== WORKFLOW_ID_METADATA))]) {
    await assert.rejects(codec.decode([{ ...bound!, metadata }]), /could not be decrypted/);
  }
  // Encoded outside any workflow (the codec endpoint's encode, histories from before binding): no binding, still readable.
  const [unbound] = await codec.encode([plain]);
  assert.equal(boundWorkflowId(unbound!), undefined);
  assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([unbound!]))[0]!), input);
});

test('plain payloads (recorded before encryption) pass through decode unchanged', async () => {
  const plain = defaultPayloadConverter.toPayload(input);
  const [decoded] = await new EncryptionCodec(generatePrivacyKeys().payloadKeys).decode([plain]);
  assert.deepEqual(decoded, plain);
});

test('key rings: bad values are refused with the variable and the entry named, never the key', () => {
  assert.throws(() => parseKeyRing('TEMPORAL_PAYLOAD_KEYS', undefined), /TEMPORAL_PAYLOAD_KEYS is not set/);
  assert.throws(() => parseKeyRing('TEMPORAL_PAYLOAD_KEYS', 'k1:c2hvcnQ='), /key "k1" must be 32 bytes in base64 \(it decodes to 5 bytes\)/);
  assert.throws(() => parseKeyRing('STORAGE_ENCRYPTION_KEYS', Buffer.alloc(32).toString('base64')), /STORAGE_ENCRYPTION_KEYS: entry 1 must start with a key id/);
  const entry = newKeyRingEntry('k1');
  assert.throws(() => parseKeyRing('X', `${entry},${entry}`), /key id "k1" appears twice/);
  assert.throws(() => readPrivacyKeys({ TEMPORAL_PAYLOAD_KEYS: entry, STORAGE_ENCRYPTION_KEYS: entry, CALLER_HASH_KEY: 'short' }), /CALLER_HASH_KEY must be set to a secret of at least 32 characters/);
});

test('the caller hash: keyed, stable, blind to formatting', () => {
  const key = generatePrivacyKeys().callerHashKey;
  const hash = callerNumberHash(key, '+14155550199');
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(callerNumberHash(key, '+1 (415) 555-0199'), hash);
  assert.notEqual(callerNumberHash(key, '+14155550198'), hash);
  assert.notEqual(callerNumberHash(generatePrivacyKeys().callerHashKey, '+14155550199'), hash, 'another key, another hash');
});

test('the encrypted blob store: recordings unreadable on disk, readable through the store; prompts stay plain', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
  try {
    const raw = new LocalBlobStore(dir);
    const keys = generatePrivacyKeys().storageKeys;
    const store = new EncryptedBlobStore(raw, keys);
    const wav = Buffer.concat([Buffer.from('RIFF....WAVEfmt '), Buffer.from('caller voice samples '.repeat(50))]);
    await store.put(recordingKey('r1'), wav);
    const onDisk = await readFile(join(dir, 'recordings', 'r1.wav'));
    assert.ok(!onDisk.includes('RIFF') && !onDisk.includes('caller voice'), 'no plaintext on disk');
    assert.deepEqual(Buffer.from((await store.get(recordingKey('r1')))!), wav);
    assert.equal(await store.size(recordingKey('r1')), wav.length);
    // Moving a blob to another name is detected (the name is authenticated).
    await raw.put(recordingKey('r2'), onDisk);
    await assert.rejects(store.get(recordingKey('r2')), /could not be decrypted/);
    // Another key cannot read it: under the same id, or an unknown id.
    await assert.rejects(new EncryptedBlobStore(raw, generatePrivacyKeys().storageKeys).get(recordingKey('r1')), /could not be decrypted with key "k1"/);
    await assert.rejects(new EncryptedBlobStore(raw, parseKeyRing('X', newKeyRingEntry('k9'))).get(recordingKey('r1')), /key "k1", which is not in STORAGE_ENCRYPTION_KEYS/);
    // Cached prompts are synthesized from flow text: stored as they are.
    await store.put('prompts/abc.wav', wav);
    assert.deepEqual(await readFile(join(dir, 'prompts', 'abc.wav')), wav);
    // A recording stored before encryption was on is still served.
    await raw.put(recordingKey('legacy'), wav);
    assert.deepEqual(Buffer.from((await store.get(recordingKey('legacy')))!), wav);
    await store.delete(recordingKey('r1'));
    assert.deepEqual((await readdir(join(dir, 'recordings'))).sort(), ['legacy.wav', 'r2.wav']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('failure messages and stack traces are encoded and encrypted, never stored in clear (failure converter)', async () => {
  const converter = loadDataConverter(encryptingDataConverter(generatePrivacyKeys().payloadKeys));
  const secret = 'could not reach +14155550123 in room call_+14155550123_x';
  const failure = await encodeErrorToFailure(converter, ApplicationFailure.nonRetryable(secret, 'Oops'));
  const stored = JSON.stringify(temporal.api.failure.v1.Failure.toObject(temporal.api.failure.v1.Failure.fromObject(failure), { bytes: String }));
  assert.ok(!stored.includes('14155550123'), `no number in the failure Temporal stores: ${stored.slice(0, 300)}`);
  assert.equal(failure.message, 'Encoded failure');
  assert.equal(str(failure.encodedAttributes?.metadata?.encoding), ENCRYPTED_ENCODING);
  const back = await decodeOptionalFailureToOptionalError(converter, failure);
  assert.equal(back?.message, secret, 'read back through the codec');
});
