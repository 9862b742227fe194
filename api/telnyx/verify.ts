import { TelnyxWebhook, TelnyxWebhookVerificationError } from 'telnyx/lib/webhooks';
import { HttpError } from '../errors';

/** Telnyx's replay window: a delivery signed longer ago (or further ahead) than this is refused. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/**
 * Verifies one Telnyx webhook delivery with the `telnyx` SDK (`TelnyxWebhook.verify`: Ed25519 over
 * `${telnyx-timestamp}|${raw body}`, 300 s tolerance, WebCrypto, no network) and parses its body.
 * Header and timestamp problems are checked here first so each gets its own error code; the SDK
 * checks them again. Every failure is an HttpError (400 malformed, 401 not from Telnyx).
 */
export async function verifyTelnyxWebhook(rawBody: Buffer | string, headers: Record<string, string | string[] | undefined>, publicKey: string): Promise<unknown> {
  const signature = single(headers['telnyx-signature-ed25519']);
  const timestamp = single(headers['telnyx-timestamp']);
  if (!signature || !timestamp) {
    throw new HttpError(400, 'missingSignature', 'The telnyx-signature-ed25519 and telnyx-timestamp headers are required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new HttpError(400, 'invalidTimestamp', 'telnyx-timestamp: must be Unix seconds');
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    throw new HttpError(401, 'staleTimestamp', `telnyx-timestamp is more than ${TIMESTAMP_TOLERANCE_SECONDS} s away from now: refused as a possible replay`);
  }

  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  let verifier: TelnyxWebhook;
  try {
    verifier = new TelnyxWebhook(publicKey);
  } catch {
    // Our configuration, not the sender's fault.
    throw new HttpError(500, 'badPublicKey', 'TELNYX_PUBLIC_KEY is not a base64 Ed25519 public key (32 bytes)');
  }
  try {
    await verifier.verify(body, { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp });
  } catch (error) {
    if (error instanceof TelnyxWebhookVerificationError) {
      throw new HttpError(401, 'invalidSignature', 'The webhook signature does not match the body and timestamp for the configured Telnyx public key');
    }
    throw error;
  }

  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new HttpError(400, 'invalidJson', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}
