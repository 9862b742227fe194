/**
 * The caller's number as Temporal search sees it: an HMAC-SHA256 of the E.164 number under
 * CALLER_HASH_KEY. Search by number still works (hash the number you look for the same way), but
 * the Temporal server and its visibility store never hold the number itself.
 */
import { createHmac } from 'node:crypto';

/** `+1 (415) 555-0199` and `+14155550199` hash alike: only `+` and digits count. */
export function normalizeNumber(number: string): string {
  const trimmed = number.trim();
  return `${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/[^\d]/g, '')}`;
}

/** Hex HMAC-SHA256 of the normalized number; the value of the `CallerNumber` search attribute. */
export function callerNumberHash(key: Buffer, number: string): string {
  return createHmac('sha256', key).update(normalizeNumber(number)).digest('hex');
}
