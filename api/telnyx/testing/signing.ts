/** Test helpers: an Ed25519 key pair like Telnyx's, and deliveries signed with it. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TelnyxSigner {
  /** Base64 raw 32-byte public key, as Mission Control shows it (TELNYX_PUBLIC_KEY). */
  publicKey: string;
  /** Headers Telnyx sends with `body`, signed at `timestamp` (Unix seconds; default now). */
  headers(body: string, timestamp?: number): Record<string, string>;
}

export function createTelnyxSigner(): TelnyxSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: rawPublicKey(publicKey), headers: (body, timestamp) => signedHeaders(privateKey, body, timestamp) };
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url').toString('base64');
}

function signedHeaders(privateKey: KeyObject, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  return { 'content-type': 'application/json', 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': String(timestamp) };
}

let counter = 0;
/** A call event in Telnyx's documented webhook shape (API v2). */
export function telnyxCallEvent(
  eventType: string,
  payload: Record<string, unknown>,
  options: { id?: string; occurredAt?: Date } = {},
): { data: Record<string, unknown>; meta: Record<string, unknown> } {
  return {
    data: {
      record_type: 'event',
      event_type: eventType,
      id: options.id ?? `0ccc7b54-4df3-4bca-a65a-${(Date.now() + counter++).toString(16).padStart(12, '0').slice(-12)}`,
      occurred_at: (options.occurredAt ?? new Date()).toISOString(),
      payload: {
        connection_id: '1684641123236054244',
        client_state: null,
        state: eventType === 'call.hangup' ? 'hangup' : eventType === 'call.answered' ? 'answered' : 'parked',
        direction: 'incoming',
        ...payload,
      },
    },
    meta: { attempt: 1, delivered_to: 'http://127.0.0.1/api/telnyx/webhooks' },
  };
}
