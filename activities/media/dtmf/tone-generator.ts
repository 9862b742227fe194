/**
 * DTMF tone synthesis: for in-band signalling towards trunks that expect tones, and for tests
 * and benchmarks of the detector (levels, twist and frequency deviation can all be set).
 */
import { dtmfFrequencies, type DtmfDigit } from './keypad.js';
import { dbm0ToPeak } from './levels.js';

/** Options of {@link dtmfTone}. */
export interface DtmfToneOptions {
  sampleRate: number;
  durationMs: number;
  /** Level of the low-group tone. Default -7 dBm0 (a typical telephone set). */
  lowLevelDbm0?: number;
  /**
   * High-group level minus low-group level ("twist"). Positive is reverse twist (high group
   * stronger). Default +2 dB, as telephone sets pre-emphasize the high group.
   */
  twistDb?: number;
  /** Relative frequency error of the low-group tone, in percent (+1.5 = 1.5 % high). Default 0. */
  lowDeviationPercent?: number;
  /** Relative frequency error of the high-group tone, in percent. Default 0. */
  highDeviationPercent?: number;
  /** Phases at the first sample, in radians. Default 0 for both. */
  lowPhaseRad?: number;
  highPhaseRad?: number;
}

/** One key's dual tone. Samples are rounded and clipped to 16 bits. */
export function dtmfTone(digit: DtmfDigit, options: DtmfToneOptions): Int16Array {
  const { sampleRate, durationMs, lowLevelDbm0 = -7, twistDb = 2 } = options;
  const { lowHz, highHz } = dtmfFrequencies(digit);
  const lowStep = (2 * Math.PI * lowHz * (1 + (options.lowDeviationPercent ?? 0) / 100)) / sampleRate;
  const highStep = (2 * Math.PI * highHz * (1 + (options.highDeviationPercent ?? 0) / 100)) / sampleRate;
  const lowPeak = dbm0ToPeak(lowLevelDbm0);
  const highPeak = dbm0ToPeak(lowLevelDbm0 + twistDb);
  const lowPhase = options.lowPhaseRad ?? 0;
  const highPhase = options.highPhaseRad ?? 0;
  const samples = new Int16Array(Math.round((sampleRate * durationMs) / 1000));
  for (let n = 0; n < samples.length; n++) {
    samples[n] = clip16(lowPeak * Math.sin(lowStep * n + lowPhase) + highPeak * Math.sin(highStep * n + highPhase));
  }
  return samples;
}

/** Options of {@link dtmfSequence}: tone options for every key, plus timing. */
export interface DtmfSequenceOptions extends Omit<DtmfToneOptions, 'durationMs'> {
  /** Duration of each tone. Default 70 ms. */
  toneMs?: number;
  /** Silence between tones. Default 70 ms. */
  gapMs?: number;
  /** Silence before the first and after the last tone. Default 100 ms. */
  edgeMs?: number;
}

/** Keys one after another, as a dialler sends them. */
export function dtmfSequence(digits: readonly DtmfDigit[], options: DtmfSequenceOptions): Int16Array {
  const { sampleRate, toneMs = 70, gapMs = 70, edgeMs = 100 } = options;
  const toSamples = (ms: number): number => Math.round((sampleRate * ms) / 1000);
  const parts: Int16Array[] = [new Int16Array(toSamples(edgeMs))];
  digits.forEach((digit, i) => {
    if (i > 0) parts.push(new Int16Array(toSamples(gapMs)));
    parts.push(dtmfTone(digit, { ...options, durationMs: toneMs }));
  });
  parts.push(new Int16Array(toSamples(edgeMs)));
  return concatSamples(parts);
}

/** Joins sample arrays end to end. */
export function concatSamples(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function clip16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32_767 ? 32_767 : rounded < -32_768 ? -32_768 : rounded;
}
