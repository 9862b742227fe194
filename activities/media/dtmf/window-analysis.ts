/**
 * One analysis window of the DTMF detector: is this stretch of audio one steady DTMF key?
 * Windowed (Hann) DFT at the eight DTMF frequencies, the frequency of each tone measured from the
 * phase advance since an earlier window, then the ITU-T Q.24 tests and talk-off tests.
 */
import { DTMF_HIGH_GROUP_HZ, DTMF_KEYPAD, DTMF_LOW_GROUP_HZ, type DtmfDigit } from './keypad.js';
import { DBM0_POWER } from './levels.js';

/** Acceptance tests of one window. Defaults in {@link defaultDtmfThresholds}. */
export interface DtmfThresholds {
  /**
   * Largest accepted frequency error of each tone, in percent. Q.24 asks for operation within
   * ±1.5 % and non-operation beyond ±3.5 %; the default, 2.5 %, sits in the middle.
   */
  maxDeviationPercent: number;
  /** Weakest accepted tone (each of the two). Q.24: operate from -25 dBm0, never below -55 dBm0. */
  minToneLevelDbm0: number;
  /**
   * Largest accepted reverse twist: high group stronger than low group (Q.24: operate at +4 dB).
   * Twist limits apply to the tones' powers averaged over the key's confirming windows.
   */
  maxReverseTwistDb: number;
  /** Largest accepted standard twist: high group weaker than low group (Q.24: operate at 8 dB). */
  maxStandardTwistDb: number;
  /** Each group's tone must beat the other frequencies of its group by this much (talk-off). */
  minRelativePeakDb: number;
  /** Share of the window's power that the two tones must carry, in dB (talk-off; 0 dB is all of it). */
  minToneShareDb: number;
  /**
   * Highest accepted level of the high-group tone's second harmonic relative to the two tones
   * together (talk-off: voiced speech is rich in harmonics, a DTMF tone has none).
   */
  maxSecondHarmonicDb: number;
  /** Every quarter of the window must carry at least this share of the average quarter's power (steadiness). */
  maxQuarterDipDb: number;
}

/** Defaults of {@link DtmfThresholds}. */
export const defaultDtmfThresholds: DtmfThresholds = {
  maxDeviationPercent: 2.5,
  minToneLevelDbm0: -38,
  maxReverseTwistDb: 5,
  maxStandardTwistDb: 9,
  minRelativePeakDb: 6,
  minToneShareDb: -1,
  maxSecondHarmonicDb: -12,
  maxQuarterDipDb: 3,
};

/** Window timing. Defaults in {@link defaultDtmfWindowTiming}. */
export interface DtmfWindowTiming {
  /** Length of one analysis window: 20 ms resolves adjacent rows (73 Hz apart). */
  windowMs: number;
  /** Distance between successive windows. */
  hopMs: number;
  /**
   * Distance between the two windows whose phases give a tone's frequency. 5 ms measures
   * frequency unambiguously within ±100 Hz of each nominal frequency.
   */
  phaseLagMs: number;
}

/** Defaults of {@link DtmfWindowTiming}. */
export const defaultDtmfWindowTiming: DtmfWindowTiming = { windowMs: 20, hopMs: 2.5, phaseLagMs: 5 };

const FREQUENCIES_HZ: readonly number[] = [...DTMF_LOW_GROUP_HZ, ...DTMF_HIGH_GROUP_HZ];
const BINS = FREQUENCIES_HZ.length;
const GROUP_SIZE = DTMF_LOW_GROUP_HZ.length;

/**
 * Twist is judged on the average over a key's windows (see DtmfDetector); a single window may
 * stray this much further, as noise moves the weaker tone's measured level.
 */
export const WINDOW_TWIST_MARGIN_DB = 3;

/** A window that holds one key's tones, with the tones' measured powers (mean square). */
export interface DtmfWindowTones {
  digit: DtmfDigit;
  lowPower: number;
  highPower: number;
}

/** A stage of the window tests: after a null from {@link DtmfWindowAnalyzer.analyze}, the first that failed. */
export type DtmfWindowRejection =
  | 'level'
  | 'relativePeak'
  | 'history'
  | 'deviation'
  | 'twist'
  | 'toneShare'
  | 'steadiness'
  | 'harmonic';

/**
 * Analyzes consecutive windows of one stream. Windows must be given one per hop, in order
 * (the phase history assumes it); {@link reset} starts over.
 */
export class DtmfWindowAnalyzer {
  readonly windowSamples: number;
  readonly hopSamples: number;
  /** Why the last window was not a key, or null when it was. */
  lastRejection: DtmfWindowRejection | null = null;

  private readonly sampleRate: number;
  private readonly thresholds: DtmfThresholds;
  private readonly window: Float64Array;
  private readonly windowSum: number;
  /** Per sample n: w[n]·cos, w[n]·sin for each of the 8 frequencies, interleaved. */
  private readonly kernels: Float64Array;
  private readonly quarterOf: Uint8Array;
  private readonly lagHops: number;
  /** Phase advance over the lag at each nominal frequency, radians. */
  private readonly nominalAdvanceRad: Float64Array;
  /** DFT values (re, im per bin) of the last lagHops + 1 windows, as a ring. */
  private readonly history: Float64Array[];
  /** Per ring slot: false while its window was too quiet for a key, so its DFT was skipped. */
  private readonly computed: boolean[];
  /** Samples between a window's start and that of the window one lag earlier. */
  readonly lagSamples: number;
  private windowsSeen = 0;
  private readonly minTonePower: number;
  private readonly minToneShare: number;
  private readonly minRelativePeak: number;
  private readonly maxQuarterDip: number;
  private readonly maxSecondHarmonic: number;

  constructor(sampleRate: number, thresholds: DtmfThresholds = defaultDtmfThresholds, timing: DtmfWindowTiming = defaultDtmfWindowTiming) {
    this.sampleRate = sampleRate;
    this.thresholds = thresholds;
    const n = Math.round((sampleRate * timing.windowMs) / 1000);
    this.windowSamples = n;
    this.hopSamples = Math.max(1, Math.round((sampleRate * timing.hopMs) / 1000));
    this.lagHops = Math.max(1, Math.round(timing.phaseLagMs / timing.hopMs));

    this.window = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    this.windowSum = this.window.reduce((sum, w) => sum + w, 0);
    this.kernels = new Float64Array(n * 2 * BINS);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < BINS; k++) {
        const angle = (2 * Math.PI * FREQUENCIES_HZ[k]! * i) / sampleRate;
        this.kernels[(i * BINS + k) * 2] = this.window[i]! * Math.cos(angle);
        this.kernels[(i * BINS + k) * 2 + 1] = this.window[i]! * Math.sin(angle);
      }
    }
    this.quarterOf = Uint8Array.from({ length: n }, (_, i) => Math.floor((4 * i) / n));
    const lagSamples = this.lagHops * this.hopSamples;
    this.lagSamples = lagSamples;
    this.nominalAdvanceRad = Float64Array.from(FREQUENCIES_HZ, (f) => (2 * Math.PI * f * lagSamples) / sampleRate);
    this.history = Array.from({ length: this.lagHops + 1 }, () => new Float64Array(2 * BINS));
    this.computed = this.history.map(() => false);

    this.minTonePower = DBM0_POWER * 10 ** (thresholds.minToneLevelDbm0 / 10);
    this.minToneShare = 10 ** (thresholds.minToneShareDb / 10);
    this.minRelativePeak = 10 ** (thresholds.minRelativePeakDb / 10);
    this.maxQuarterDip = 10 ** (-thresholds.maxQuarterDipDb / 10);
    this.maxSecondHarmonic = 10 ** (thresholds.maxSecondHarmonicDb / 10);
  }

  /** Forgets the phase history (after a gap in the stream). */
  reset(): void {
    this.windowsSeen = 0;
  }

  /**
   * The key whose tones fill window [offset, offset + windowSamples) of `samples`, or null. The
   * window one lag earlier must still be in `samples` (from offset - lagSamples) when offset allows:
   * a quiet window's DFT is only computed when a later window needs its phase.
   */
  analyze(samples: Float64Array, offset: number): DtmfWindowTones | null {
    const n = this.windowSamples;
    const window = this.window;
    const slot = this.windowsSeen % this.history.length;
    const quarters = [0, 0, 0, 0];
    let weightedEnergy = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[offset + i]!;
      const xx = x * x;
      weightedEnergy += xx * window[i]!;
      quarters[this.quarterOf[i]!]! += xx;
    }
    const meanPower = weightedEnergy / this.windowSum;
    const previousSlot = this.windowsSeen >= this.lagHops ? (this.windowsSeen - this.lagHops) % this.history.length : -1;
    this.windowsSeen++;
    // Most audio (silence, the caller's breathing) is too quiet for a key: the first test, before
    // the DFT that is most of the cost. The DFT is computed later if the next window needs it.
    if (meanPower < 2 * this.minTonePower) {
      this.computed[slot] = false;
      this.lastRejection = 'level';
      return null;
    }
    const current = this.history[slot]!;
    this.dft(samples, offset, current);
    this.computed[slot] = true;
    let previous: Float64Array | null = null;
    if (previousSlot >= 0) {
      previous = this.history[previousSlot]!;
      if (!this.computed[previousSlot]) {
        if (offset < this.lagSamples) previous = null;
        else {
          this.dft(samples, offset - this.lagSamples, previous);
          this.computed[previousSlot] = true;
        }
      }
    }
    const result = this.test(current, previous, meanPower, quarters, samples, offset);
    this.lastRejection = typeof result === 'string' ? result : null;
    return typeof result === 'string' ? null : result;
  }

  /** The windowed DFT of the window at `offset`, at the eight DTMF frequencies, into `out` (re, im per bin). */
  private dft(samples: Float64Array, offset: number, out: Float64Array): void {
    const kernels = this.kernels;
    out.fill(0);
    for (let i = 0; i < this.windowSamples; i++) {
      const x = samples[offset + i]!;
      const base = i * 2 * BINS;
      for (let j = 0; j < 2 * BINS; j++) out[j]! += x * kernels[base + j]!;
    }
    // The kernels hold +sin; the DFT takes -sin.
    for (let k = 0; k < BINS; k++) out[2 * k + 1] = -out[2 * k + 1]!;
  }

  private test(
    current: Float64Array,
    previous: Float64Array | null,
    meanPower: number,
    quarters: number[],
    samples: Float64Array,
    offset: number,
  ): DtmfWindowRejection | DtmfWindowTones {
    // (The level test, two tones each at the minimum level or above carry at least twice its
    // power, ran in analyze().)
    const low = this.strongest(current, 0);
    const high = this.strongest(current, GROUP_SIZE);
    if (!this.beatsItsGroup(current, low, 0) || !this.beatsItsGroup(current, high, GROUP_SIZE)) return 'relativePeak';

    // No earlier window yet (start of the stream), so no frequency measure.
    if (previous === null) return 'history';
    const lowOffsetHz = this.frequencyOffsetHz(current, previous, low);
    const highOffsetHz = this.frequencyOffsetHz(current, previous, high);
    if (lowOffsetHz === null || highOffsetHz === null) return 'history';
    const maxDeviation = this.thresholds.maxDeviationPercent / 100;
    if (Math.abs(lowOffsetHz) > maxDeviation * FREQUENCIES_HZ[low]! || Math.abs(highOffsetHz) > maxDeviation * FREQUENCIES_HZ[high]!) {
      return 'deviation';
    }

    const lowPower = this.tonePower(current, low, lowOffsetHz);
    const highPower = this.tonePower(current, high, highOffsetHz);
    if (lowPower < this.minTonePower || highPower < this.minTonePower) return 'level';
    const twistDb = 10 * Math.log10(highPower / lowPower);
    const { maxReverseTwistDb, maxStandardTwistDb } = this.thresholds;
    if (twistDb > maxReverseTwistDb + WINDOW_TWIST_MARGIN_DB || twistDb < -maxStandardTwistDb - WINDOW_TWIST_MARGIN_DB) return 'twist';
    if (lowPower + highPower < this.minToneShare * meanPower) return 'toneShare';

    const averageQuarter = (quarters[0]! + quarters[1]! + quarters[2]! + quarters[3]!) / 4;
    if (quarters.some((q) => q < this.maxQuarterDip * averageQuarter)) return 'steadiness';

    // Only the high group: a low tone's second harmonic (1394–1882 Hz) can fall within a few Hz
    // of a high-group tone, which a 20 ms window cannot tell apart.
    const harmonicHz = 2 * (FREQUENCIES_HZ[high]! + highOffsetHz);
    if (harmonicHz < 0.45 * this.sampleRate) {
      const harmonicPower = this.powerAt(samples, offset, harmonicHz);
      if (harmonicPower > this.maxSecondHarmonic * (lowPower + highPower)) return 'harmonic';
    }
    const digit = DTMF_KEYPAD[low]![high - GROUP_SIZE]!;
    return { digit, lowPower, highPower };
  }

  /** Index of the strongest bin among the four from `first`. */
  private strongest(bins: Float64Array, first: number): number {
    let best = first;
    let bestPower = -1;
    for (let k = first; k < first + GROUP_SIZE; k++) {
      const power = bins[2 * k]! ** 2 + bins[2 * k + 1]! ** 2;
      if (power > bestPower) [best, bestPower] = [k, power];
    }
    return best;
  }

  private beatsItsGroup(bins: Float64Array, winner: number, first: number): boolean {
    const winnerPower = bins[2 * winner]! ** 2 + bins[2 * winner + 1]! ** 2;
    for (let k = first; k < first + GROUP_SIZE; k++) {
      if (k !== winner && bins[2 * k]! ** 2 + bins[2 * k + 1]! ** 2 > winnerPower / this.minRelativePeak) return false;
    }
    return true;
  }

  /**
   * Frequency of the tone in bin k minus the bin's nominal frequency, from the phase it advanced
   * since the window one lag earlier. Null when that window did not hold the tone at a similar
   * level (within 6 dB), so the phase means nothing.
   */
  private frequencyOffsetHz(current: Float64Array, previous: Float64Array, k: number): number | null {
    const [re, im, pre, pim] = [current[2 * k]!, current[2 * k + 1]!, previous[2 * k]!, previous[2 * k + 1]!];
    if (pre * pre + pim * pim < 0.25 * (re * re + im * im)) return null;
    const advance = Math.atan2(im * pre - re * pim, re * pre + im * pim);
    let excess = (advance - this.nominalAdvanceRad[k]!) % (2 * Math.PI);
    if (excess > Math.PI) excess -= 2 * Math.PI;
    if (excess < -Math.PI) excess += 2 * Math.PI;
    return (excess * this.sampleRate) / (2 * Math.PI * this.lagHops * this.hopSamples);
  }

  /**
   * Power (mean square) of the tone in bin k, corrected for the window's response at the tone's
   * measured offset from the bin's frequency.
   */
  private tonePower(bins: Float64Array, k: number, offsetHz: number): number {
    const binPower = bins[2 * k]! ** 2 + bins[2 * k + 1]! ** 2;
    let re = 0;
    let im = 0;
    const step = (2 * Math.PI * offsetHz) / this.sampleRate;
    for (let i = 0; i < this.windowSamples; i++) {
      re += this.window[i]! * Math.cos(step * i);
      im += this.window[i]! * Math.sin(step * i);
    }
    const response = (re * re + im * im) / (this.windowSum * this.windowSum);
    return (2 * binPower) / (this.windowSum * this.windowSum * response);
  }

  /** Power of a tone at `frequencyHz` in the window, from a windowed DFT. */
  private powerAt(samples: Float64Array, offset: number, frequencyHz: number): number {
    let re = 0;
    let im = 0;
    const step = (2 * Math.PI * frequencyHz) / this.sampleRate;
    for (let i = 0; i < this.windowSamples; i++) {
      const x = samples[offset + i]! * this.window[i]!;
      re += x * Math.cos(step * i);
      im += x * Math.sin(step * i);
    }
    return (2 * (re * re + im * im)) / (this.windowSum * this.windowSum);
  }
}
