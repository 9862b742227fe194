import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTMF_DIGITS, dtmfFrequencies, isDtmfDigit } from './keypad.js';
import { DBM0_SINE_PEAK, dbm0ToPeak, powerToDbm0 } from './levels.js';
import { dtmfSequence, dtmfTone } from './tone-generator.js';
import { meanPower } from './testing/noise.js';

test('keypad: 16 keys, each with one row and one column frequency', () => {
  assert.equal(DTMF_DIGITS.join(''), '123A456B789C*0#D');
  assert.deepEqual(dtmfFrequencies('5'), { lowHz: 770, highHz: 1336 });
  assert.deepEqual(dtmfFrequencies('#'), { lowHz: 941, highHz: 1477 });
  assert.deepEqual(dtmfFrequencies('D'), { lowHz: 941, highHz: 1633 });
  assert.ok(isDtmfDigit('*') && isDtmfDigit('A') && !isDtmfDigit('a') && !isDtmfDigit('12'));
});

test('levels: 0 dBm0 is a sine of peak 22 657 (3.17 dB under µ-law overload)', () => {
  assert.equal(Math.round(DBM0_SINE_PEAK), 22_657);
  assert.equal(Math.round(dbm0ToPeak(-20)), 2_266);
  assert.equal(powerToDbm0((DBM0_SINE_PEAK * DBM0_SINE_PEAK) / 2), 0);
});

test('a tone has the asked length, level and twist', () => {
  const low = dtmfTone('1', { sampleRate: 8_000, durationMs: 1_000, lowLevelDbm0: -10, twistDb: -100 });
  const both = dtmfTone('1', { sampleRate: 8_000, durationMs: 1_000, lowLevelDbm0: -10, twistDb: 3 });
  assert.equal(low.length, 8_000);
  assert.ok(Math.abs(powerToDbm0(meanPower(low)) - -10) < 0.05);
  // Two uncorrelated tones add in power: -10 dBm0 and -7 dBm0 make -5.24 dBm0.
  assert.ok(Math.abs(powerToDbm0(meanPower(both)) - -5.24) < 0.05);
});

test('a sequence is edge, tone, gap, tone…, edge', () => {
  const samples = dtmfSequence(['1', '2', '3'], { sampleRate: 16_000, toneMs: 50, gapMs: 40, edgeMs: 100 });
  assert.equal(samples.length, 16 * (100 + 50 * 3 + 40 * 2 + 100));
  assert.equal(samples[16 * 100 - 1], 0);
  assert.equal(samples[16 * 150 + 16 * 20], 0);
});
