/**
 * A BlobStore that encrypts what it stores (AES-256-GCM, a fresh IV per blob, the key id in the
 * header so keys can rotate). Recordings and uploaded audio go through it; cached TTS prompts
 * (`prompts/…`, synthesized from flow text, no personal data) may stay plain: see `plainPrefixes`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { BlobStore } from '../blob-store';
import type { KeyRing } from './keys';

const MAGIC = Buffer.from('SBE1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class EncryptedBlobStore implements BlobStore {
  /**
   * @param plainPrefixes key prefixes stored as they are (default: `prompts/`, the TTS cache).
   */
  constructor(
    readonly inner: BlobStore,
    private readonly keys: KeyRing,
    private readonly plainPrefixes: string[] = ['prompts/'],
  ) {}

  private plain(key: string): boolean {
    return this.plainPrefixes.some((prefix) => key.startsWith(prefix));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    if (this.plain(key)) return this.inner.put(key, data);
    const { id, key: secret } = this.keys.current;
    const header = Buffer.concat([MAGIC, Buffer.from([id.length]), Buffer.from(id, 'ascii')]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', secret, iv);
    // Header and storage key are authenticated: a blob cannot be moved under another key name.
    cipher.setAAD(Buffer.concat([header, Buffer.from(key)]));
    await this.inner.put(key, Buffer.concat([header, iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const stored = await this.inner.get(key);
    if (!stored || this.plain(key)) return stored;
    const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    // Blobs stored before encryption was turned on are read as they are.
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return stored;
    const idLength = bytes[MAGIC.length]!;
    const headerLength = MAGIC.length + 1 + idLength;
    const id = bytes.subarray(MAGIC.length + 1, headerLength).toString('ascii');
    const secret = this.keys.byId.get(id);
    if (!secret) throw new Error(`Blob ${key} is encrypted with key "${id}", which is not in STORAGE_ENCRYPTION_KEYS`);
    const iv = bytes.subarray(headerLength, headerLength + IV_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([bytes.subarray(0, headerLength), Buffer.from(key)]));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(headerLength + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`Blob ${key} could not be decrypted with key "${id}": the key is not the one it was stored with, or the file was changed`);
    }
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** The size of the stored (decrypted) content. */
  async size(key: string): Promise<number | undefined> {
    if (this.plain(key)) return this.inner.size(key);
    return (await this.get(key))?.byteLength;
  }
}
