/**
 * The caller's DTMF keys in a session: RFC 2833 events as LiveKit delivers them and keys an in-band
 * detector heard, buffered for whoever asks next (type-ahead).
 */

/** One key press reported as an RFC 2833 event and as in-band tones arrives within this. */
export const DUPLICATE_KEY_WINDOW_MS = 500;
export type DigitSource = 'rfc2833' | 'inband';

const DTMF_CODE_DIGITS = '0123456789*#';
export const DTMF_DIGIT = /^[0-9*#]$/;

/** The digit of a DTMF event; SIP sends both fields, `code` covers an empty `digit`. */
export function dtmfDigit(code: number, digit: string): string | null {
  if (DTMF_DIGIT.test(digit)) return digit;
  return DTMF_CODE_DIGITS[code] ?? null;
}

/** The caller's keys not yet taken, and who waits for them. */
export class KeyBuffer {
  /** Type-ahead buffer, oldest first. */
  readonly digits: string[] = [];
  /** Called after each buffered digit; nextDigit waiters take from the buffer, say() only looks. */
  readonly listeners = new Set<() => void>();
  /** The last key accepted, to recognise one press reported by both RFC 2833 and in-band tones. */
  private lastKey: { digit: string; at: number; source: DigitSource } | undefined;

  /**
   * Buffers a key from the caller and wakes whoever waits for keys. A phone that sends a key both
   * as an RFC 2833 event and as tones in the audio is heard once: a key matching the last key from
   * the other source within DUPLICATE_KEY_WINDOW_MS is the same press.
   */
  accept(digit: string, source: DigitSource): void {
    const now = performance.now();
    const last = this.lastKey;
    if (last && last.source !== source && last.digit === digit && now - last.at < DUPLICATE_KEY_WINDOW_MS) {
      this.lastKey = undefined; // the pair is complete; the next press starts afresh
      return;
    }
    this.lastKey = { digit, at: now, source };
    this.digits.push(digit);
    for (const listener of [...this.listeners]) listener();
  }
}
