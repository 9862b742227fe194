/**
 * Generated DTMF test signals after ITU-T Q.24 (North American values), for tests and the
 * benchmark: keys that must be detected (operate) and tones that must not (non-operate).
 */
import { g711RoundTrip } from '../../audio/g711.js';
import { DtmfDetector, type DtmfDigitEvent } from '../detector.js';
import { DTMF_DIGITS, type DtmfDigit } from '../keypad.js';
import { concatSamples, dtmfTone } from '../tone-generator.js';
import { addWhiteNoise, seededRandom } from './noise.js';

/** One generated key press. */
export interface ToneCase {
  digit: DtmfDigit;
  lowDeviationPercent: number;
  highDeviationPercent: number;
  lowLevelDbm0: number;
  highLevelDbm0: number;
  /** Tone power over white-noise power; null for no noise. */
  snrDb: number | null;
  toneMs: number;
}

/** How the audio reaches the detector. */
export interface LineFormat {
  label: string;
  sampleRate: number;
  /** Through G.711 µ-law (8 kHz phone audio). */
  mulaw: boolean;
}

/** 8 kHz µ-law: a phone trunk. */
export const PHONE_LINE: LineFormat = { label: '8 kHz µ-law', sampleRate: 8_000, mulaw: true };
/** 16 kHz linear: wideband (e.g. WebRTC audio). */
export const WIDEBAND_LINE: LineFormat = { label: '16 kHz', sampleRate: 16_000, mulaw: false };

/** Silence (or noise) before and after the tone. */
const MARGIN_MS = 60;

/**
 * Level pairs (low, high) within Q.24's operate range: each tone -25…-3 dBm0 (so two tones stay
 * under 0 dBm0 together and G.711 does not clip), twist from +4 to -8 dB.
 */
export const OPERATE_LEVELS_DBM0: ReadonlyArray<readonly [number, number]> = [
  [-3, -3],
  [-7, -3],
  [-3, -11],
  [-15, -13],
  [-25, -25],
  [-25, -21],
  [-17, -25],
];

/** Frequency errors (low, high) in percent within the ±1.5 % that must be accepted. */
export const OPERATE_DEVIATIONS_PERCENT: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [-1.5, -1.5],
  [-1.5, 1.5],
  [1.5, -1.5],
  [1.5, 1.5],
];

/**
 * Frequency errors (low, high) in percent at or beyond the ±3.5 % that must be rejected. Rows
 * are 9–10 % apart and columns 9–11 %, so ±5 % is about as far as a tone can be from every key
 * (a 10 % error would land on a neighbouring key).
 */
export const NON_OPERATE_DEVIATIONS_PERCENT: ReadonlyArray<readonly [number, number]> = [
  [-3.5, 0],
  [3.5, 0],
  [0, -3.5],
  [0, 3.5],
  [-3.5, -3.5],
  [3.5, 3.5],
  [-5, 5],
  [5, -5],
  [-3.5, 3.5],
];

/** Every key × operate deviation × operate level pair × SNR, as 40 ms tones (Q.24's shortest). */
export function operateCases(snrsDb: ReadonlyArray<number | null>, toneMs = 40): ToneCase[] {
  const cases: ToneCase[] = [];
  for (const digit of DTMF_DIGITS) {
    for (const [lowDeviationPercent, highDeviationPercent] of OPERATE_DEVIATIONS_PERCENT) {
      for (const [lowLevelDbm0, highLevelDbm0] of OPERATE_LEVELS_DBM0) {
        for (const snrDb of snrsDb) {
          cases.push({ digit, lowDeviationPercent, highDeviationPercent, lowLevelDbm0, highLevelDbm0, snrDb, toneMs });
        }
      }
    }
  }
  return cases;
}

/** Every key × off-frequency deviation × a loud, a nominal and a quiet level pair, 70 ms tones. */
export function offFrequencyCases(snrsDb: ReadonlyArray<number | null>): ToneCase[] {
  const levels: ReadonlyArray<readonly [number, number]> = [[-3, -3], [-10, -8], [-25, -25]];
  const cases: ToneCase[] = [];
  for (const digit of DTMF_DIGITS) {
    for (const [lowDeviationPercent, highDeviationPercent] of NON_OPERATE_DEVIATIONS_PERCENT) {
      for (const [lowLevelDbm0, highLevelDbm0] of levels) {
        for (const snrDb of snrsDb) {
          cases.push({ digit, lowDeviationPercent, highDeviationPercent, lowLevelDbm0, highLevelDbm0, snrDb, toneMs: 70 });
        }
      }
    }
  }
  return cases;
}

/**
 * The case as audio: silence, the tone (random phases from `seed`), silence; noise over all of
 * it; then the line's codec.
 */
export function renderToneCase(toneCase: ToneCase, line: LineFormat, seed: number): Int16Array {
  const { sampleRate } = line;
  const random = seededRandom(seed);
  const margin = new Int16Array(Math.round((sampleRate * MARGIN_MS) / 1000));
  const tone = dtmfTone(toneCase.digit, {
    sampleRate,
    durationMs: toneCase.toneMs,
    lowLevelDbm0: toneCase.lowLevelDbm0,
    twistDb: toneCase.highLevelDbm0 - toneCase.lowLevelDbm0,
    lowDeviationPercent: toneCase.lowDeviationPercent,
    highDeviationPercent: toneCase.highDeviationPercent,
    lowPhaseRad: 2 * Math.PI * random(),
    highPhaseRad: 2 * Math.PI * random(),
  });
  let samples = concatSamples([margin, tone, margin]);
  if (toneCase.snrDb !== null) samples = addWhiteNoise(samples, toneCase.snrDb, seed ^ 0x5bd1e995, margin.length, margin.length + tone.length);
  return line.mulaw ? g711RoundTrip({ sampleRate, samples }, 'mulaw').samples : samples;
}

/** Runs a fresh detector over `samples` in 20 ms chunks, to the end of the stream. */
export function detectAll(samples: Int16Array, sampleRate: number): DtmfDigitEvent[] {
  const detector = new DtmfDetector({ sampleRate });
  const chunk = Math.round(sampleRate / 50);
  const events: DtmfDigitEvent[] = [];
  for (let at = 0; at < samples.length; at += chunk) events.push(...detector.push(samples.subarray(at, at + chunk)));
  events.push(...detector.flush());
  return events;
}

/** Short description of a case for assertion messages. */
export function describeToneCase(toneCase: ToneCase): string {
  const { digit, lowDeviationPercent, highDeviationPercent, lowLevelDbm0, highLevelDbm0, snrDb, toneMs } = toneCase;
  return `${digit} ${toneMs} ms, deviation ${lowDeviationPercent}/${highDeviationPercent} %, ${lowLevelDbm0}/${highLevelDbm0} dBm0, SNR ${snrDb ?? '∞'} dB`;
}
