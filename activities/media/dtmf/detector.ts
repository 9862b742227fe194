/**
 * Streaming in-band DTMF detector for trunks that send keys as tones in the audio (no RFC 4733
 * events). Meets ITU-T Q.24 (North American values): frequency ±1.5 % accepted and ±3.5 %
 * rejected, tones of 40 ms accepted and of 25 ms or less rejected, 40 ms pauses seen, -25…0 dBm0,
 * twist +4/-8 dB; talk-off tests on tone share, relative peaks, harmonics and steadiness.
 */
import type { DtmfDigit } from './keypad.js';
import {
  DtmfWindowAnalyzer,
  defaultDtmfThresholds,
  type DtmfThresholds,
  type DtmfWindowTones,
} from './window-analysis.js';

/** One key press, reported once when the key is released (or at {@link DtmfDetector.flush}). */
export interface DtmfDigitEvent {
  digit: DtmfDigit;
  /** When the tone began, from the first sample pushed. */
  startMs: number;
  /** When the tone ended. */
  endMs: number;
  durationMs: number;
}

/** Options of {@link DtmfDetector}; all but `sampleRate` have defaults. */
export interface DtmfDetectorOptions {
  /** Rate of the pushed samples: 8000 (phone audio), 16 000, 48 000 or any rate ≥ 8000. */
  sampleRate: number;
  /**
   * Steady tone needed before a key counts. The default, 35 ms, accepts Q.24's 40 ms tones and
   * rejects tones of 25 ms or less, with margin on both sides.
   */
  confirmMs?: number;
  /**
   * Absence of the tone that ends a key press. Shorter drop-outs are bridged (Q.24: 10 ms must
   * not split a key); the default, 35 ms, still ends a key within a 40 ms pause.
   */
  releaseMs?: number;
  /** Window tests; unset fields keep {@link defaultDtmfThresholds}. */
  thresholds?: Partial<DtmfThresholds>;
}

const MIN_SAMPLE_RATE_HZ = 8_000;

/** Buffer capacity in windows: pushes are taken in slices of this many windows, less one. */
const BUFFER_WINDOWS = 8;

interface Run {
  digit: DtmfDigit;
  windows: number;
  /** Sums of the tones' powers over the run's windows. */
  lowPower: number;
  highPower: number;
  /** First sample of the run's first window. */
  start: number;
  /** Sample after the run's last window. */
  end: number;
}

/**
 * Finds DTMF keys in a stream of 16-bit PCM chunks of any size. Each key press is reported
 * exactly once: a held key is one digit, and the same key again needs a pause in between.
 *
 * ```ts
 * const detector = new DtmfDetector({ sampleRate: 8000 });
 * for (const chunk of audio) for (const event of detector.push(chunk)) handle(event.digit);
 * ```
 */
export class DtmfDetector {
  readonly sampleRate: number;
  private readonly analyzer: DtmfWindowAnalyzer;
  private readonly confirmWindows: number;
  private readonly thresholds: DtmfThresholds;
  private readonly releaseWindows: number;
  private readonly buffer: Float64Array;
  private buffered = 0;
  /** Stream position (in samples) of buffer[0]. */
  private bufferStart = 0;
  /**
   * Buffer position of the next window. The samples before it (up to the analyzer's lag) stay,
   * for a quiet window whose phase the next loud one needs.
   */
  private nextWindow = 0;
  private run: Run | null = null;
  private active: Run | null = null;
  private missedWindows = 0;

  constructor(options: DtmfDetectorOptions) {
    const { sampleRate, confirmMs = 35, releaseMs = 35 } = options;
    if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE_HZ) {
      throw new RangeError(`DTMF detection needs a sample rate of at least ${MIN_SAMPLE_RATE_HZ} Hz, got ${sampleRate}`);
    }
    this.sampleRate = sampleRate;
    this.thresholds = { ...defaultDtmfThresholds, ...options.thresholds };
    this.analyzer = new DtmfWindowAnalyzer(sampleRate, this.thresholds);
    const hopMs = (this.analyzer.hopSamples * 1000) / sampleRate;
    const windowMs = (this.analyzer.windowSamples * 1000) / sampleRate;
    // A steady tone of T ms fills (T - window) / hop + 1 consecutive windows.
    this.confirmWindows = Math.max(1, Math.round((confirmMs - windowMs) / hopMs) + 1);
    this.releaseWindows = Math.max(1, Math.round(releaseMs / hopMs));
    this.buffer = new Float64Array(BUFFER_WINDOWS * this.analyzer.windowSamples);
  }

  /** The key being held now (already confirmed, not yet released), or null. */
  get activeDigit(): DtmfDigit | null {
    return this.active?.digit ?? null;
  }

  /** Takes the next chunk of audio; returns the key presses that ended within it. */
  push(samples: Int16Array): DtmfDigitEvent[] {
    const events: DtmfDigitEvent[] = [];
    let taken = 0;
    while (taken < samples.length) {
      const count = Math.min(this.buffer.length - this.buffered, samples.length - taken);
      for (let i = 0; i < count; i++) this.buffer[this.buffered + i] = samples[taken + i]!;
      this.buffered += count;
      taken += count;
      this.analyzeBuffered(events);
    }
    return events;
  }

  /** Ends the stream: reports a key still held, and forgets everything. */
  flush(): DtmfDigitEvent[] {
    const events: DtmfDigitEvent[] = [];
    if (this.active) events.push(this.toEvent(this.active));
    this.reset();
    return events;
  }

  /** Forgets all audio and state; the next sample pushed is at 0 ms again. */
  reset(): void {
    this.buffered = 0;
    this.bufferStart = 0;
    this.nextWindow = 0;
    this.run = null;
    this.active = null;
    this.missedWindows = 0;
    this.analyzer.reset();
  }

  private analyzeBuffered(events: DtmfDigitEvent[]): void {
    const { windowSamples, hopSamples, lagSamples } = this.analyzer;
    let offset = this.nextWindow;
    while (offset + windowSamples <= this.buffered) {
      const tones = this.analyzer.analyze(this.buffer, offset);
      const start = this.bufferStart + offset;
      this.step(tones, start, start + windowSamples, events);
      offset += hopSamples;
    }
    const drop = Math.max(0, offset - lagSamples);
    this.buffer.copyWithin(0, drop, this.buffered);
    this.buffered -= drop;
    this.bufferStart += drop;
    this.nextWindow = offset - drop;
  }

  /** Advances the key state by one window's verdict. */
  private step(tones: DtmfWindowTones | null, start: number, end: number, events: DtmfDigitEvent[]): void {
    const digit = tones?.digit ?? null;
    if (tones === null) this.run = null;
    else if (this.run?.digit === tones.digit) {
      this.run.windows++;
      this.run.end = end;
      this.run.lowPower += tones.lowPower;
      this.run.highPower += tones.highPower;
    } else this.run = { digit: tones.digit, windows: 1, start, end, lowPower: tones.lowPower, highPower: tones.highPower };

    const confirmed = this.run !== null && this.run.windows >= this.confirmWindows && this.twistAccepted(this.run) ? this.run : null;
    if (this.active) {
      if (digit === this.active.digit) {
        this.active.end = end;
        this.missedWindows = 0;
        return;
      }
      this.missedWindows++;
      if (confirmed === null && this.missedWindows < this.releaseWindows) return;
      events.push(this.toEvent(this.active));
      this.active = null;
    }
    if (confirmed !== null) {
      this.active = { ...confirmed };
      this.missedWindows = 0;
    }
  }

  /** Q.24 twist, on the powers averaged over the run (one window's measure is noisier). */
  private twistAccepted(run: Run): boolean {
    const twistDb = 10 * Math.log10(run.highPower / run.lowPower);
    return twistDb <= this.thresholds.maxReverseTwistDb && twistDb >= -this.thresholds.maxStandardTwistDb;
  }

  private toEvent(run: Run): DtmfDigitEvent {
    const startMs = round1((run.start * 1000) / this.sampleRate);
    const endMs = round1((run.end * 1000) / this.sampleRate);
    return { digit: run.digit, startMs, endMs, durationMs: round1(endMs - startMs) };
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
