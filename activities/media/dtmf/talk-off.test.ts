/**
 * Talk-off: speech must not be taken for keys. espeak-ng (apt-get install espeak-ng) reads
 * prepared texts in English, German and French voices at 140 and 200 words per minute; the speech
 * reaches the detector as a phone line would carry it (8 kHz, G.711 µ-law), and at 16 kHz.
 * Measured: 0 false digits in 6.0 min at 8 kHz (-18 dBm0), 2.3 min at -8 and -28 dBm0, and 2.2 min
 * at 16 kHz (`npm run bench` measures more speech, as false digits per hour).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectAll } from './testing/q24-corpus.js';
import { synthesizeTalkOffSpeech, totalSeconds, type TalkOffUtterance } from './testing/speech-corpus.js';

/** At most this many false digits per the few minutes of speech here; the measured figure is 0. */
const MAX_FALSE_DIGITS = 1;

function falseDigits(utterances: TalkOffUtterance[]): { count: number; detail: string[] } {
  const detail: string[] = [];
  let count = 0;
  for (const { label, audio } of utterances) {
    const events = detectAll(audio.samples, audio.sampleRate);
    count += events.length;
    for (const event of events) detail.push(`${label}: ${event.digit} at ${event.startMs} ms`);
  }
  return { count, detail };
}

test('speech on a phone line (8 kHz µ-law): no false digits', async () => {
  const speech = await synthesizeTalkOffSpeech({
    voices: ['en-us', 'en-gb+f3', 'de', 'fr+f2', 'en-us+m3'],
    speedsWpm: [140, 200],
    levelDbm0: -18,
  });
  const minutes = totalSeconds(speech) / 60;
  assert.ok(minutes > 5, `only ${minutes.toFixed(1)} min of speech`);
  const { count, detail } = falseDigits(speech);
  assert.ok(count <= MAX_FALSE_DIGITS, `${count} false digits in ${minutes.toFixed(1)} min: ${detail.join('; ')}`);
});

test('loud and quiet talkers (-8 and -28 dBm0): no false digits', async () => {
  for (const levelDbm0 of [-8, -28]) {
    const speech = await synthesizeTalkOffSpeech({ voices: ['en-us+f4', 'de+m3'], speedsWpm: [170], levelDbm0 });
    const { count, detail } = falseDigits(speech);
    assert.ok(count <= MAX_FALSE_DIGITS, `${levelDbm0} dBm0: ${detail.join('; ')}`);
  }
});

test('wideband speech (16 kHz): no false digits', async () => {
  const speech = await synthesizeTalkOffSpeech({ voices: ['en-gb', 'fr'], speedsWpm: [140, 200], sampleRate: 16_000 });
  const { count, detail } = falseDigits(speech);
  assert.ok(count <= MAX_FALSE_DIGITS, detail.join('; '));
});
