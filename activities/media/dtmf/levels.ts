/**
 * Telephone signal levels in 16-bit linear PCM. 0 dBm0 is one milliwatt at the zero-level point;
 * G.711 puts a sine whose peak reaches the µ-law overload point (8159 in 14 bits, 32 636 in 16
 * bits) at +3.17 dBm0.
 */

/** Peak amplitude of a 0 dBm0 sine in 16-bit PCM (≈ 22 657). */
export const DBM0_SINE_PEAK = 32_636 * 10 ** (-3.17 / 20);

/** Mean square (power) of a 0 dBm0 sine in 16-bit PCM. */
export const DBM0_POWER = (DBM0_SINE_PEAK * DBM0_SINE_PEAK) / 2;

/** Peak amplitude of a sine at `levelDbm0`. */
export function dbm0ToPeak(levelDbm0: number): number {
  return DBM0_SINE_PEAK * 10 ** (levelDbm0 / 20);
}

/** Level in dBm0 of a signal whose mean square is `power` (in 16-bit PCM units). */
export function powerToDbm0(power: number): number {
  return 10 * Math.log10(power / DBM0_POWER);
}
