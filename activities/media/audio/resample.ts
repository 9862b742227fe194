/**
 * Sample-rate conversion of whole utterances (8, 16, 48 kHz, espeak-ng's 22.05 kHz…) with
 * libsamplerate (Secret Rabbit Code) compiled to WebAssembly by `@alexanderolsen/libsamplerate-js`:
 * band-limited sinc interpolation, no native build. Live streams in a LiveKit room use rtc-node's
 * `AudioResampler` instead (see livekit-session.ts), which keeps state between frames.
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import type { PcmAudio } from '../types.js';

const { create, ConverterType } = libsamplerate;

/**
 * Converter quality: `best` (97 dB SNR, 97 % of the band kept), `medium` (97 dB, 90 %) or
 * `fastest` (97 dB, 80 %). `medium` keeps the whole telephone band (300–3400 Hz) at 8 kHz.
 */
export type ResampleQuality = 'best' | 'medium' | 'fastest';

/** Options of {@link resample}. */
export interface ResampleOptions {
  /** Default `medium`. */
  quality?: ResampleQuality;
}

const CONVERTERS = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
} as const;

/** libsamplerate supports conversion ratios within 1/256…256. */
const MAX_RATIO = 256;

/**
 * Zeros appended to the input so the converter's filter delay is flushed out: libsamplerate-js
 * has no end-of-input call, and long inputs go through its streaming API, which holds back the
 * last few milliseconds (a few hundred samples at 48 kHz). 20 ms is well beyond that delay.
 */
const FLUSH_PADDING_MS = 20;

/** Largest magnitude of a 16-bit sample, as the float scale. */
const INT16_SCALE = 32_768;

/**
 * Converts `audio` to `toSampleRate`. The result is time-aligned with the input and holds
 * `round(length × toSampleRate / sampleRate)` samples; returns the input itself when the rates are
 * equal. Rejects a rate that is not a positive integer or a ratio beyond 1:256.
 */
export async function resample(audio: PcmAudio, toSampleRate: number, options: ResampleOptions = {}): Promise<PcmAudio> {
  const fromSampleRate = audio.sampleRate;
  for (const rate of [fromSampleRate, toSampleRate]) {
    if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`sample rate must be a positive integer, got ${rate}`);
  }
  const ratio = toSampleRate / fromSampleRate;
  if (ratio > MAX_RATIO || ratio < 1 / MAX_RATIO) {
    throw new RangeError(`cannot convert ${fromSampleRate} Hz to ${toSampleRate} Hz (ratio beyond 1:${MAX_RATIO})`);
  }
  if (fromSampleRate === toSampleRate) return audio;

  const outputLength = Math.round(audio.samples.length * ratio);
  if (outputLength === 0) return { sampleRate: toSampleRate, samples: new Int16Array(0) };

  const padding = Math.ceil((fromSampleRate * FLUSH_PADDING_MS) / 1000);
  const input = new Float32Array(audio.samples.length + padding);
  for (let i = 0; i < audio.samples.length; i++) input[i] = (audio.samples[i] as number) / INT16_SCALE;

  const converter = await create(1, fromSampleRate, toSampleRate, { converterType: CONVERTERS[options.quality ?? 'medium'] });
  let output: Float32Array;
  try {
    output = converter.simple(input);
  } finally {
    converter.destroy();
  }

  const samples = new Int16Array(outputLength);
  const available = Math.min(outputLength, output.length);
  for (let i = 0; i < available; i++) {
    const value = Math.round((output[i] as number) * INT16_SCALE);
    samples[i] = value > 32_767 ? 32_767 : value < -32_768 ? -32_768 : value;
  }
  return { sampleRate: toSampleRate, samples };
}
