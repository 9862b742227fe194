/**
 * Temporal payload encryption: every payload a client or worker sends (workflow inputs and results,
 * activity inputs and results, signals, memos, summaries) is AES-256-GCM encrypted before it
 * reaches the Temporal server, so histories hold no caller numbers, transcripts or variables in
 * the clear. The key id travels in the payload's metadata, so keys can rotate (lib/privacy/keys.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { KeyRing } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
// A CommonJS package: its namespace comes through the default export under ESM.
const { Payload: ProtoPayload } = proto.temporal.api.common.v1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = (value: string) => new TextEncoder().encode(value);
const str = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** Encrypts whole payloads (metadata included) into `binary/encrypted` payloads and back. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.current;
    return payloads.map((payload) => {
      const plain = ProtoPayload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is bound to the ciphertext: a payload cannot be relabelled to another key.
      cipher.setAAD(text(id));
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(id) }, data: body };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was on (and old test histories) pass through.
      if (str(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = str(payload.metadata?.[KEY_ID_METADATA]);
      const key = id === undefined ? undefined : this.keys.byId.get(id);
      if (!key || id === undefined) throw new Error(`A Temporal payload is encrypted with key "${id ?? '(none)'}", which is not in TEMPORAL_PAYLOAD_KEYS`);
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('A Temporal payload marked encrypted is too short to be one');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(text(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new Error(`A Temporal payload could not be decrypted with key "${id}": the key is not the one it was encrypted with, or the payload was changed`);
      }
      return ProtoPayload.decode(plain) as Payload;
    });
  }
}

/** The data converter every Temporal client and worker of Switchboard uses. */
export function encryptingDataConverter(keys: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
