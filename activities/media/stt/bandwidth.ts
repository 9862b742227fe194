/**
 * Tells narrowband (telephone) audio from wideband by the share of energy above 5.5 kHz: a phone
 * channel carries 300–3400 Hz, so after upsampling to 16 kHz almost nothing is left up there, while
 * wideband speech keeps its fricatives there.
 */

/**
 * Share of energy above the cut-off below which audio counts as narrowband. Measured on espeak-ng
 * speech: telephone audio (8 kHz µ-law, upsampled) ≤ 3e-7, 16 kHz speech ≥ 7e-5.
 */
export const NARROWBAND_HIGH_BAND_RATIO = 1e-5;
const CUTOFF_HZ = 5_500;
/** Q of the biquads of an 8th-order Butterworth filter. */
const BUTTERWORTH_8_Q = [0.5098, 0.6013, 0.9, 2.5629];
/** Audio quieter than this (mean square, 16-bit scale) tells nothing: about −50 dBFS. */
const MIN_MEAN_SQUARE = 10 ** (-50 / 10) * 32768 ** 2;

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
  x1: number;
  x2: number;
  y1: number;
  y2: number;
}

function highPass(sampleRate: number, q: number): Biquad {
  const w = (2 * Math.PI * CUTOFF_HZ) / sampleRate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 + cos) / 2 / a0,
    b1: -(1 + cos) / a0,
    b2: (1 + cos) / 2 / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha) / a0,
    x1: 0,
    x2: 0,
    y1: 0,
    y2: 0,
  };
}

function step(f: Biquad, x: number): number {
  const y = f.b0 * x + f.b1 * f.x1 + f.b2 * f.x2 - f.a1 * f.y1 - f.a2 * f.y2;
  f.x2 = f.x1;
  f.x1 = x;
  f.y2 = f.y1;
  f.y1 = y;
  return y;
}

/** Accumulates energy of pushed 16-bit PCM; `isNarrowband()` judges everything pushed so far. */
export class BandwidthMeter {
  // 8th-order Butterworth high-pass: a phone channel's top (3.4 kHz) is then ~40 dB down.
  private readonly stages: Biquad[];
  private total = 0;
  private high = 0;
  private count = 0;

  constructor(sampleRate: number) {
    this.stages = BUTTERWORTH_8_Q.map((q) => highPass(sampleRate, q));
  }

  push(samples: Int16Array): void {
    const { stages } = this;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i] ?? 0;
      let y = x;
      for (const stage of stages) y = step(stage, y);
      this.total += x * x;
      this.high += y * y;
    }
    this.count += samples.length;
  }

  /** Share of the energy above 5.5 kHz; NaN when too little audio was pushed to tell. */
  highBandRatio(): number {
    if (this.count === 0 || this.total / this.count < MIN_MEAN_SQUARE) return NaN;
    return this.high / this.total;
  }

  isNarrowband(): boolean {
    const ratio = this.highBandRatio();
    return !Number.isNaN(ratio) && ratio < NARROWBAND_HIGH_BAND_RATIO;
  }
}
