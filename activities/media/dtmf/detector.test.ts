/**
 * The in-band DTMF detector against ITU-T Q.24 (North American values), with generated tones.
 * Talk-off against speech is in talk-off.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711RoundTrip, type G711Law } from '../audio/g711.js';
import { resample } from '../audio/resample.js';
import { DtmfDetector, type DtmfDigitEvent } from './detector.js';
import { DTMF_DIGITS, type DtmfDigit } from './keypad.js';
import { concatSamples, dtmfSequence, dtmfTone, type DtmfToneOptions } from './tone-generator.js';
import { addWhiteNoise, whiteNoise } from './testing/noise.js';
import {
  NON_OPERATE_DEVIATIONS_PERCENT,
  OPERATE_DEVIATIONS_PERCENT,
  PHONE_LINE,
  WIDEBAND_LINE,
  describeToneCase,
  detectAll,
  operateCases,
  renderToneCase,
  type LineFormat,
} from './testing/q24-corpus.js';

const RATE = 8_000;

function silence(ms: number, sampleRate = RATE): Int16Array {
  return new Int16Array(Math.round((sampleRate * ms) / 1000));
}

/** `tone` with 100 ms of silence on both sides. */
function padded(tone: Int16Array, sampleRate = RATE): Int16Array {
  return concatSamples([silence(100, sampleRate), tone, silence(100, sampleRate)]);
}

function keyTone(digit: DtmfDigit, options: Partial<DtmfToneOptions> = {}): Int16Array {
  return dtmfTone(digit, { sampleRate: RATE, durationMs: 70, lowLevelDbm0: -10, twistDb: 0, ...options });
}

function digitsOf(events: DtmfDigitEvent[]): string {
  return events.map((event) => event.digit).join('');
}

function detect(samples: Int16Array, sampleRate = RATE): string {
  return digitsOf(detectAll(samples, sampleRate));
}

test('each of the 16 keys is reported once, with its start and duration', () => {
  for (const digit of DTMF_DIGITS) {
    const events = detectAll(padded(keyTone(digit, { durationMs: 100 })), RATE);
    assert.equal(events.length, 1, digit);
    const [event] = events;
    assert.equal(event!.digit, digit);
    assert.ok(Math.abs(event!.startMs - 100) <= 5, `${digit} starts at ${event!.startMs} ms`);
    assert.ok(Math.abs(event!.durationMs - 100) <= 10, `${digit} lasts ${event!.durationMs} ms`);
    assert.equal(event!.endMs - event!.startMs, event!.durationMs);
  }
});

test('frequency: errors up to ±1.5 % are accepted, ±3.5 % and beyond rejected (each tone and both)', () => {
  for (const digit of DTMF_DIGITS) {
    for (const [lowDeviationPercent, highDeviationPercent] of [...OPERATE_DEVIATIONS_PERCENT, [1.5, 0], [0, -1.5]]) {
      const tone = keyTone(digit, { lowDeviationPercent, highDeviationPercent });
      assert.equal(detect(padded(tone)), digit, `${digit} at ${lowDeviationPercent}/${highDeviationPercent} %`);
    }
    for (const [lowDeviationPercent, highDeviationPercent] of NON_OPERATE_DEVIATIONS_PERCENT) {
      const tone = keyTone(digit, { lowDeviationPercent, highDeviationPercent });
      assert.equal(detect(padded(tone)), '', `${digit} at ${lowDeviationPercent}/${highDeviationPercent} %`);
    }
  }
});

test('duration: 40 ms tones are accepted, 25 ms and shorter rejected, at any alignment', () => {
  for (const digit of DTMF_DIGITS) {
    // Shifting the tone by a few samples moves it against the detector's 2.5 ms hop.
    for (const shift of [0, 3, 7, 11, 17]) {
      const lead = silence(100 + shift / 8);
      const phases = { lowPhaseRad: shift, highPhaseRad: 2 * shift };
      const accepted = concatSamples([lead, keyTone(digit, { durationMs: 40, ...phases }), silence(100)]);
      assert.equal(detect(accepted), digit, `${digit} 40 ms, shift ${shift}`);
      for (const durationMs of [25, 23, 20, 10]) {
        const rejected = concatSamples([lead, keyTone(digit, { durationMs, ...phases }), silence(100)]);
        assert.equal(detect(rejected), '', `${digit} ${durationMs} ms, shift ${shift}`);
      }
    }
  }
});

test('pause: a string of 40 ms tones with 40 ms pauses is detected exactly', () => {
  const digits = [...DTMF_DIGITS, '1', '1', '5', '5', '5', '#', '#'] as DtmfDigit[];
  const samples = dtmfSequence(digits, { sampleRate: RATE, toneMs: 40, gapMs: 40, lowLevelDbm0: -10, twistDb: 2 });
  assert.equal(detect(samples), digits.join(''));
});

test('a held key is one digit: a 1 s press, reported on release, active while held', () => {
  const detector = new DtmfDetector({ sampleRate: RATE });
  const samples = padded(keyTone('7', { durationMs: 1_000 }));
  const events: DtmfDigitEvent[] = [];
  let heldSeen = false;
  for (let at = 0; at < samples.length; at += 160) {
    events.push(...detector.push(samples.subarray(at, at + 160)));
    if (at > 800 * 8 && at < 1_000 * 8) heldSeen ||= detector.activeDigit === '7';
  }
  events.push(...detector.flush());
  assert.ok(heldSeen, 'activeDigit was 7 while the key was held');
  assert.equal(detector.activeDigit, null);
  assert.equal(digitsOf(events), '7');
  assert.ok(Math.abs(events[0]!.durationMs - 1_000) <= 10, `duration ${events[0]!.durationMs} ms`);
});

test('the same key twice needs a pause: 40 ms gives two digits, a 10 ms drop-out keeps one', () => {
  const again = keyTone('5', { lowPhaseRad: 1, highPhaseRad: 2 });
  assert.equal(detect(padded(concatSamples([keyTone('5'), silence(40), again]))), '55');
  assert.equal(detect(padded(concatSamples([keyTone('5'), silence(10), again]))), '5');
  assert.equal(detect(padded(concatSamples([keyTone('5', { durationMs: 300 }), silence(10), again]))), '5');
});

test('a key followed by another without a pause reports both', () => {
  assert.equal(detect(padded(concatSamples([keyTone('1'), keyTone('9')]))), '19');
});

test('twist: high group +4 dB to -8 dB against low group is accepted, +6 dB and -10 dB rejected', () => {
  for (const digit of DTMF_DIGITS) {
    for (const [lowLevelDbm0, twistDb] of [[-7, 4], [-25, 4], [-3, -8], [-17, -8], [-10, 0]] as const) {
      assert.equal(detect(padded(keyTone(digit, { lowLevelDbm0, twistDb }))), digit, `${digit} ${lowLevelDbm0} dBm0, twist ${twistDb} dB`);
    }
    for (const [lowLevelDbm0, twistDb] of [[-10, 6], [-20, 6], [-3, -10], [-10, -10], [-10, 10], [-3, -16]] as const) {
      assert.equal(detect(padded(keyTone(digit, { lowLevelDbm0, twistDb }))), '', `${digit} ${lowLevelDbm0} dBm0, twist ${twistDb} dB`);
    }
  }
});

test('level: each tone from -25 to -3 dBm0 is accepted (and clipped 0 dBm0 tones); -45 and -55 dBm0 are not', () => {
  for (const digit of DTMF_DIGITS) {
    for (const lowLevelDbm0 of [-25, -20, -10, -3, 0]) assert.equal(detect(padded(keyTone(digit, { lowLevelDbm0 }))), digit, `${digit} ${lowLevelDbm0} dBm0`);
    for (const lowLevelDbm0 of [-45, -55]) assert.equal(detect(padded(keyTone(digit, { lowLevelDbm0 }))), '', `${digit} ${lowLevelDbm0} dBm0`);
  }
});

test('noise: every key at 15 dB SNR (white noise) is still detected, 40 ms tones included', () => {
  const cases = operateCases([15]);
  cases.forEach((toneCase, i) => {
    const samples = renderToneCase(toneCase, PHONE_LINE, i);
    assert.equal(detect(samples), toneCase.digit, describeToneCase(toneCase));
  });
});

test('noise alone (white, -20 dBm0) gives no digit', () => {
  assert.equal(detect(whiteNoise(RATE * 10, -20, 7)), '');
});

for (const law of ['mulaw', 'alaw'] as G711Law[]) {
  test(`G.711 ${law}: keys at -25 and -3 dBm0 survive the codec`, () => {
    for (const digit of DTMF_DIGITS) {
      for (const lowLevelDbm0 of [-25, -3]) {
        const line = g711RoundTrip({ sampleRate: RATE, samples: padded(keyTone(digit, { lowLevelDbm0, durationMs: 40 })) }, law);
        assert.equal(detect(line.samples), digit, `${digit} ${lowLevelDbm0} dBm0`);
      }
    }
  });
}

for (const line of [WIDEBAND_LINE, { label: '48 kHz', sampleRate: 48_000, mulaw: false }] as LineFormat[]) {
  test(`${line.label}: keys, deviations, durations and noise as at 8 kHz`, () => {
    const { sampleRate } = line;
    const digits = [...DTMF_DIGITS];
    assert.equal(detect(dtmfSequence(digits, { sampleRate, toneMs: 40, gapMs: 40 }), sampleRate), digits.join(''));
    for (const digit of DTMF_DIGITS) {
      const tone = (options: Partial<DtmfToneOptions>): Int16Array =>
        padded(dtmfTone(digit, { sampleRate, durationMs: 70, lowLevelDbm0: -10, twistDb: 0, ...options }), sampleRate);
      assert.equal(detect(tone({ lowDeviationPercent: 1.5, highDeviationPercent: -1.5 }), sampleRate), digit);
      assert.equal(detect(tone({ lowDeviationPercent: -3.5 }), sampleRate), '');
      assert.equal(detect(tone({ highDeviationPercent: 3.5 }), sampleRate), '');
      assert.equal(detect(tone({ durationMs: 40 }), sampleRate), digit);
      assert.equal(detect(tone({ durationMs: 25 }), sampleRate), '');
    }
    operateCases([15]).forEach((toneCase, i) => {
      if (i % 5 !== 0) return; // a fifth of the cases keeps this test quick at 48 kHz
      assert.equal(detect(renderToneCase(toneCase, line, i), sampleRate), toneCase.digit, describeToneCase(toneCase));
    });
  });
}

test('phone audio resampled to 48 kHz (as a LiveKit room carries it) is detected at 48 kHz', async () => {
  const digits = [...DTMF_DIGITS];
  const phone = g711RoundTrip({ sampleRate: RATE, samples: dtmfSequence(digits, { sampleRate: RATE, toneMs: 45, gapMs: 45 }) }, 'mulaw');
  const room = await resample(phone, 48_000);
  assert.equal(detect(room.samples, 48_000), digits.join(''));
});

test('chunk size does not matter: 1, 7, 160, 333 samples and all at once give the same events', () => {
  const samples = addWhiteNoise(dtmfSequence(['4', '2', '#', '4', '4'], { sampleRate: RATE, toneMs: 50, gapMs: 45 }), 25, 3);
  const reference = detectAll(samples, RATE);
  assert.equal(digitsOf(reference), '42#44');
  for (const chunk of [1, 7, 160, 333, samples.length]) {
    const detector = new DtmfDetector({ sampleRate: RATE });
    const events: DtmfDigitEvent[] = [];
    for (let at = 0; at < samples.length; at += chunk) events.push(...detector.push(samples.subarray(at, at + chunk)));
    events.push(...detector.flush());
    assert.deepEqual(events, reference, `chunks of ${chunk}`);
  }
});

test('flush reports a key still held at the end of the stream, then starts over at 0 ms', () => {
  const detector = new DtmfDetector({ sampleRate: RATE });
  assert.deepEqual(detector.push(concatSamples([silence(50), keyTone('9', { durationMs: 200 })])), []);
  const [event] = detector.flush();
  assert.equal(event?.digit, '9');
  assert.deepEqual(detector.flush(), []);
  const [again] = [...detector.push(padded(keyTone('3'))), ...detector.flush()];
  assert.equal(again?.digit, '3');
  assert.ok(Math.abs(again!.startMs - 100) <= 5);
});

test('rejects sample rates below 8 kHz', () => {
  assert.throws(() => new DtmfDetector({ sampleRate: 4_000 }), RangeError);
  assert.throws(() => new DtmfDetector({ sampleRate: Number.NaN }), RangeError);
});
