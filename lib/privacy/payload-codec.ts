/**
 * Temporal payload encryption: every payload a client or worker sends (workflow inputs and results,
 * activity inputs and results, signals, memos, summaries) is AES-256-GCM encrypted before it
 * reaches the Temporal server, so histories hold no caller numbers, transcripts or variables in
 * the clear. The key id travels in the payload's metadata, so keys can rotate (lib/privacy/keys.ts).
 *
 * Each payload is also bound to the workflow that owns it (Temporal's serialization context: the
 * call, preview or prompt-caching workflow): its id travels in the metadata and is authenticated data
 * of the cipher, so it cannot be changed or moved to another payload. The codec endpoint decrypts a
 * payload only for members of the workspace that owns its workflow (api/routes/temporal-codec.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec, type SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { KeyRing } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** The id of the workflow a payload belongs to (authenticated with the ciphertext). */
export const WORKFLOW_ID_METADATA = 'encryption-workflow-id';
// A CommonJS package: its namespace comes through the default export under ESM.
const { Payload: ProtoPayload } = proto.temporal.api.common.v1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = (value: string) => new TextEncoder().encode(value);
const str = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);
/** What the cipher authenticates besides the ciphertext: the key id, and the owning workflow's id. */
const associatedData = (keyId: string, workflowId: string | undefined) => text(workflowId === undefined ? keyId : `${keyId}\u0000workflow:${workflowId}`);

/** Whether a payload is one of ours, encrypted. */
export const isEncrypted = (payload: Payload): boolean => str(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;

/**
 * The workflow an encrypted payload is bound to, as its metadata says (decryption proves it: a
 * changed id fails authentication), or undefined for a payload encoded outside any workflow's
 * context (a codec-endpoint encode) or before payloads were bound.
 */
export const boundWorkflowId = (payload: Payload): string | undefined => str(payload.metadata?.[WORKFLOW_ID_METADATA]);

/** Encrypts whole payloads (metadata included) into `binary/encrypted` payloads and back. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const { id, key } = this.keys.current;
    const workflowId = context?.workflowId || undefined;
    return payloads.map((payload) => {
      const plain = ProtoPayload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id and the owning workflow are bound to the ciphertext: a payload cannot be
      // relabelled to another key, nor to another workflow (and so another workspace).
      cipher.setAAD(associatedData(id, workflowId));
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      const metadata: Record<string, Uint8Array> = { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(id) };
      if (workflowId !== undefined) metadata[WORKFLOW_ID_METADATA] = text(workflowId);
      return { metadata, data: body };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was on (and old test histories) pass through.
      if (!isEncrypted(payload)) return payload;
      const id = str(payload.metadata?.[KEY_ID_METADATA]);
      const key = id === undefined ? undefined : this.keys.byId.get(id);
      if (!key || id === undefined) throw new Error(`A Temporal payload is encrypted with key "${id ?? '(none)'}", which is not in TEMPORAL_PAYLOAD_KEYS`);
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('A Temporal payload marked encrypted is too short to be one');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(id, boundWorkflowId(payload)));
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

/** The failure converter's module (lib/privacy/failure-converter.ts), for data converters and workflow bundles. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.ts', import.meta.url));

/**
 * The data converter every Temporal client and worker of Switchboard uses: payloads encrypted, and
 * failure messages and stack traces encoded into payloads so they are encrypted too.
 */
export function encryptingDataConverter(keys: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
