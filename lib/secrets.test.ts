/** The key for credentials at rest: from the environment, else generated once into a file; bad keys are named. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decryptSecret, encryptSecret, loadSecretKey } from './secrets';

test('without SWITCHBOARD_SECRET_KEY a key is generated once into the key file (0600) and reused', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sb-key-')), 'nested', 'secret.key');
  const first = loadSecretKey({ SWITCHBOARD_SECRET_KEY_FILE: file });
  assert.equal(first.length, 32);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(loadSecretKey({ SWITCHBOARD_SECRET_KEY_FILE: file }), first, 'the same key after a restart');
  assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
});

test('SWITCHBOARD_SECRET_KEY wins, in base64 or hex; a wrong length is refused with what was wrong', () => {
  const hex = 'ab'.repeat(32);
  assert.deepEqual(loadSecretKey({ SWITCHBOARD_SECRET_KEY: hex, SWITCHBOARD_SECRET_KEY_FILE: '/nonexistent/x' }), Buffer.from(hex, 'hex'));
  const b64 = Buffer.alloc(32, 7).toString('base64');
  assert.deepEqual(loadSecretKey({ SWITCHBOARD_SECRET_KEY: b64 }), Buffer.alloc(32, 7));
  assert.throws(() => loadSecretKey({ SWITCHBOARD_SECRET_KEY: 'too-short' }), /SWITCHBOARD_SECRET_KEY must be 32 bytes.*got 6 bytes/);
});

test('a sealed secret opens only with its key and context, and a changed byte is detected', () => {
  const key = Buffer.alloc(32, 1);
  const sealed = encryptSecret(key, 'p@ss', 'ctx');
  assert.notEqual(encryptSecret(key, 'p@ss', 'ctx'), sealed, 'a fresh IV each time');
  assert.equal(decryptSecret(key, sealed, 'ctx'), 'p@ss');
  assert.throws(() => decryptSecret(key, sealed, 'other'));
  const parts = sealed.split('.');
  const tampered = [...parts.slice(0, 3), Buffer.from('p@sx').toString('base64url')].join('.');
  assert.throws(() => decryptSecret(key, tampered, 'ctx'));
});

test('a truncated authentication tag is refused (GCM tags shorter than 16 bytes are forgeable)', () => {
  const key = Buffer.alloc(32, 2);
  const [version, iv, tag, ciphertext] = encryptSecret(key, 'p@ss', 'ctx').split('.');
  const short = [version, iv, Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url'), ciphertext].join('.');
  assert.throws(() => decryptSecret(key, short, 'ctx'), /tag/i);
});
