/** Reproducible white noise for detector tests and benchmarks. */
import { DBM0_POWER } from '../levels.js';

/** Uniform numbers in [0, 1) from a seed (mulberry32): the same seed gives the same noise. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mean square of `samples`. */
export function meanPower(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length === 0 ? 0 : sum / samples.length;
}

/**
 * `signal` plus Gaussian white noise whose power is `snrDb` below the signal's power measured
 * over [from, to) (the tone, not the silence around it). Clipped to 16 bits.
 */
export function addWhiteNoise(signal: Int16Array, snrDb: number, seed: number, from = 0, to = signal.length): Int16Array {
  const noiseRms = Math.sqrt(meanPower(signal.subarray(from, to)) / 10 ** (snrDb / 10));
  return mixNoise(signal, noiseRms, seed);
}

/** Gaussian white noise alone, at `levelDbm0`. */
export function whiteNoise(length: number, levelDbm0: number, seed: number): Int16Array {
  return mixNoise(new Int16Array(length), Math.sqrt(DBM0_POWER * 10 ** (levelDbm0 / 10)), seed);
}

function mixNoise(signal: Int16Array, noiseRms: number, seed: number): Int16Array {
  const random = seededRandom(seed);
  const out = new Int16Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    // Box–Muller; 1 - random() is in (0, 1], so the log is finite.
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const value = Math.round(signal[i]! + noiseRms * gaussian);
    out[i] = value > 32_767 ? 32_767 : value < -32_768 ? -32_768 : value;
  }
  return out;
}
