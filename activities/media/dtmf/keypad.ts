/**
 * The DTMF keypad (ITU-T Q.23): each key is one frequency of the low (row) group plus one of the
 * high (column) group.
 */

/** A DTMF key: the 12 of a phone keypad and the military/network keys A–D. */
export type DtmfDigit = '1' | '2' | '3' | 'A' | '4' | '5' | '6' | 'B' | '7' | '8' | '9' | 'C' | '*' | '0' | '#' | 'D';

/** Row frequencies, low group. */
export const DTMF_LOW_GROUP_HZ = [697, 770, 852, 941] as const;

/** Column frequencies, high group. */
export const DTMF_HIGH_GROUP_HZ = [1209, 1336, 1477, 1633] as const;

/** Keys by row (low group index), then column (high group index). */
export const DTMF_KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** All 16 keys, row by row. */
export const DTMF_DIGITS: readonly DtmfDigit[] = DTMF_KEYPAD.flat();

/** The two frequencies of `digit`. */
export function dtmfFrequencies(digit: DtmfDigit): { lowHz: number; highHz: number } {
  const row = DTMF_KEYPAD.findIndex((keys) => keys.includes(digit));
  const column = DTMF_KEYPAD[row]!.indexOf(digit);
  return { lowHz: DTMF_LOW_GROUP_HZ[row]!, highHz: DTMF_HIGH_GROUP_HZ[column]! };
}

/** True when `value` is a DTMF key (0–9, *, #, A–D; upper case). */
export function isDtmfDigit(value: string): value is DtmfDigit {
  return (DTMF_DIGITS as readonly string[]).includes(value);
}
