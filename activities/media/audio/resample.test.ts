import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample } from './resample.js';

function sine(frequencyHz: number, amplitude: number, length: number, sampleRate: number): Int16Array {
  return Int16Array.from({ length }, (_, n) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / sampleRate)));
}

function powerAt(samples: Int16Array, frequencyHz: number, sampleRate: number): number {
  let re = 0;
  let im = 0;
  const step = (2 * Math.PI * frequencyHz) / sampleRate;
  for (let n = 0; n < samples.length; n++) {
    re += samples[n]! * Math.cos(step * n);
    im += samples[n]! * Math.sin(step * n);
  }
  return re * re + im * im;
}

/** Frequency of the strongest spectral line: a 25 Hz scan up to Nyquist, then 1 Hz steps over 1 s. */
function dominantFrequencyHz(samples: Int16Array, sampleRate: number): number {
  const strongest = (from: number, to: number, step: number, segment: Int16Array): number => {
    let best = from;
    let bestPower = -1;
    for (let f = from; f <= to; f += step) {
      const power = powerAt(segment, f, sampleRate);
      if (power > bestPower) [best, bestPower] = [f, power];
    }
    return best;
  };
  const coarse = strongest(50, sampleRate / 2 - 25, 25, samples.subarray(0, sampleRate / 5));
  return strongest(coarse - 25, coarse + 25, 1, samples.subarray(0, sampleRate));
}

/**
 * RMS difference from the ideal sine over samples [from, to), relative to the sine's RMS, in dB.
 */
function errorDb(samples: Int16Array, frequencyHz: number, amplitude: number, sampleRate: number, from: number, to: number): number {
  let error = 0;
  for (let n = from; n < to; n++) {
    const ideal = amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / sampleRate);
    error += (samples[n]! - ideal) ** 2;
  }
  return 20 * Math.log10(Math.sqrt(error / (to - from)) / (amplitude / Math.SQRT2));
}

const PAIRS: Array<[number, number]> = [
  [8_000, 16_000],
  [8_000, 48_000],
  [16_000, 8_000],
  [48_000, 8_000],
  [16_000, 48_000],
  [48_000, 16_000],
  [22_050, 8_000],
];

for (const [from, to] of PAIRS) {
  test(`${from} Hz → ${to} Hz keeps a 1 kHz sine's frequency, phase and length`, async () => {
    const input = sine(1_000, 16_000, from, from);
    const output = await resample({ sampleRate: from, samples: input }, to);
    assert.equal(output.sampleRate, to);
    assert.equal(output.samples.length, to);
    assert.equal(dominantFrequencyHz(output.samples, to), 1_000);
    // Time-aligned: the output matches the ideal sine at the new rate (edges excepted, 10 ms).
    const edge = to / 100;
    const alignedDb = errorDb(output.samples, 1_000, 16_000, to, edge, to - edge);
    assert.ok(alignedDb < -40, `error ${alignedDb.toFixed(1)} dB`);
  });
}

test('down to 8 kHz removes what telephone audio cannot carry (a 6 kHz tone from 48 kHz)', async () => {
  const output = await resample({ sampleRate: 48_000, samples: sine(6_000, 16_000, 48_000, 48_000) }, 8_000);
  let peak = 0;
  for (const s of output.samples.subarray(80, -80)) peak = Math.max(peak, Math.abs(s));
  assert.ok(peak < 160, `peak ${peak} of 16 000 left`);
});

test('odd lengths round to the nearest sample; empty stays empty; same rate is returned as is', async () => {
  assert.equal((await resample({ sampleRate: 48_000, samples: new Int16Array(1001) }, 8_000)).samples.length, 167);
  assert.equal((await resample({ sampleRate: 8_000, samples: new Int16Array(0) }, 48_000)).samples.length, 0);
  const same = { sampleRate: 16_000, samples: new Int16Array(10) };
  assert.equal(await resample(same, 16_000), same);
});

test('long input (3 min at 48 kHz, beyond libsamplerate-js single-call buffer) keeps its end', async () => {
  const from = 48_000;
  const input = sine(440, 10_000, from * 180, from);
  const output = await resample({ sampleRate: from, samples: input }, 8_000);
  assert.equal(output.samples.length, 8_000 * 180);
  const length = output.samples.length;
  const bodyDb = errorDb(output.samples, 440, 10_000, 8_000, 80, length - 80);
  assert.ok(bodyDb < -40, `error ${bodyDb.toFixed(1)} dB`);
  // The last 10 ms hold the sine too (a converter that is not flushed leaves them silent).
  const tailDb = errorDb(output.samples, 440, 10_000, 8_000, length - 80, length - 8);
  assert.ok(tailDb < -20, `tail error ${tailDb.toFixed(1)} dB`);
});

test('full-scale input clips instead of wrapping around', async () => {
  const square = Int16Array.from({ length: 8_000 }, (_, n) => (Math.floor(n / 20) % 2 === 0 ? 32_767 : -32_768));
  const output = await resample({ sampleRate: 8_000, samples: square }, 48_000);
  // Gibbs overshoot would exceed 16 bits; a wrap-around would show as a sign flip next to a peak.
  for (let i = 1; i < output.samples.length; i++) assert.ok(Math.abs(output.samples[i]! - output.samples[i - 1]!) < 40_000);
});

test('rejects rates that are not positive integers or ratios beyond 1:256', async () => {
  await assert.rejects(resample({ sampleRate: 8_000, samples: new Int16Array(8) }, 0), RangeError);
  await assert.rejects(resample({ sampleRate: 8_000.5, samples: new Int16Array(8) }, 8_000), RangeError);
  await assert.rejects(resample({ sampleRate: 100, samples: new Int16Array(8) }, 48_000), RangeError);
});
