/**
 * Encryption keys from the environment. A key ring is a comma-separated list of
 * `<keyId>:<base64 of 32 random bytes>`; the first key encrypts, every key decrypts (rotation:
 * put the new key first and keep the old ones until nothing encrypted with them remains).
 */
import { randomBytes } from 'node:crypto';

export interface KeyRing {
  /** The key new data is encrypted with. */
  current: { id: string; key: Buffer };
  /** Every key, by id, for decryption. */
  byId: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** Parses a key ring; a bad value throws naming the variable and the entry, never the key. */
export function parseKeyRing(name: string, value: string | undefined): KeyRing {
  if (!value?.trim()) {
    throw new Error(`${name} is not set: it must hold <keyId>:<base64 of 32 random bytes> (e.g. "k1:$(openssl rand -base64 32)"); see docs/privacy.md`);
  }
  const byId = new Map<string, Buffer>();
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (!KEY_ID.test(id)) throw new Error(`${name}: entry ${index + 1} must start with a key id (letters, digits, _ . -) and a colon, e.g. k1:<base64 key>`);
    if (key.length !== 32) throw new Error(`${name}: key "${id}" must be 32 bytes in base64 (it decodes to ${key.length} bytes)`);
    if (byId.has(id)) throw new Error(`${name}: key id "${id}" appears twice`);
    byId.set(id, key);
  });
  const [firstId, firstKey] = [...byId.entries()][0]!;
  return { current: { id: firstId, key: firstKey }, byId };
}

/** A secret used as an HMAC key: at least 32 characters. */
export function parseSecret(name: string, value: string | undefined): Buffer {
  if (!value || value.length < 32) throw new Error(`${name} must be set to a secret of at least 32 characters (e.g. $(openssl rand -base64 32)); see docs/privacy.md`);
  return Buffer.from(value, 'utf8');
}

/** A new key ring entry `<id>:<base64 key>`. */
export function newKeyRingEntry(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The privacy secrets every process reads (docs/configuration.md). */
export interface PrivacyKeys {
  payloadKeys: KeyRing;
  storageKeys: KeyRing;
  callerHashKey: Buffer;
}

export function readPrivacyKeys(env: { TEMPORAL_PAYLOAD_KEYS?: string | undefined; STORAGE_ENCRYPTION_KEYS?: string | undefined; CALLER_HASH_KEY?: string | undefined }): PrivacyKeys {
  return {
    payloadKeys: parseKeyRing('TEMPORAL_PAYLOAD_KEYS', env.TEMPORAL_PAYLOAD_KEYS),
    storageKeys: parseKeyRing('STORAGE_ENCRYPTION_KEYS', env.STORAGE_ENCRYPTION_KEYS),
    callerHashKey: parseSecret('CALLER_HASH_KEY', env.CALLER_HASH_KEY),
  };
}

/** Fresh values for the three variables (`npm start` keeps them in data/secrets.json; tests use new ones). */
export function generatePrivacyEnv(): { TEMPORAL_PAYLOAD_KEYS: string; STORAGE_ENCRYPTION_KEYS: string; CALLER_HASH_KEY: string } {
  return { TEMPORAL_PAYLOAD_KEYS: newKeyRingEntry(), STORAGE_ENCRYPTION_KEYS: newKeyRingEntry(), CALLER_HASH_KEY: randomBytes(32).toString('base64') };
}

/** A fresh set of keys (tests, and the first `npm start`). */
export function generatePrivacyKeys(): PrivacyKeys {
  return readPrivacyKeys(generatePrivacyEnv());
}
