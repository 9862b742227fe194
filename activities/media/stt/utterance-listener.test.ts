/** One utterance through the real VAD and recognizer, fed as a call would feed it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SileroVad } from '../vad/silero-vad.js';
import { PocketsphinxStt } from './pocketsphinx-stt.js';
import { concat, noiseEvent, silence, speechFixture } from './speech-fixtures.js';
import { UtteranceListener } from './utterance-listener.js';

let vad: SileroVad;
const stt = new PocketsphinxStt();
before(async () => {
  vad = await SileroVad.load();
});
after(async () => {
  stt.close();
  await vad.close();
});

const options = { noSpeechTimeoutMs: 3_000, endSilenceMs: 600, maxDurationMs: 10_000, grammar: ['sales', 'support', 'billing', 'operator'] };

/** Pushes audio in 10 ms chunks, `speedup` times faster than real time. */
async function feed(listener: UtteranceListener, audio: Int16Array, speedup = 4): Promise<void> {
  for (let at = 0; at < audio.length; at += 160) {
    listener.push(audio.slice(at, at + 160));
    if ((at / 160) % 10 === 9) await new Promise((r) => setTimeout(r, 100 / speedup));
  }
}

test('a spoken menu choice after a pause is the transcript, with where it was said', async () => {
  const listener = new UtteranceListener({ vad, stt }, options);
  await feed(listener, concat(silence(700), await speechFixture('billing', { channel: 'phone', padMs: 0 }), silence(1_000)));
  const result = await listener.result;
  assert.equal(result.transcript, 'billing');
  assert.ok(result.confidence > 0);
  assert.ok(result.speechStartMs !== undefined && Math.abs(result.speechStartMs - 700) < 150, `start ${result.speechStartMs}`);
  assert.ok(result.speechEndMs !== undefined && result.speechEndMs > result.speechStartMs);
  const { speechEndDetectedAt, resultAt } = listener.timings;
  assert.ok(speechEndDetectedAt !== undefined && resultAt !== undefined && resultAt - speechEndDetectedAt < 300, 'result soon after the end of speech');
});

test('no speech: transcript null after noSpeechTimeoutMs; a cough does not count', async () => {
  const started = Date.now();
  const listener = new UtteranceListener({ vad, stt }, { ...options, noSpeechTimeoutMs: 1_200 });
  void feed(listener, concat(noiseEvent('cough', 4), silence(3_000)), 1);
  assert.deepEqual(await listener.result, { transcript: null, confidence: 0 });
  const waited = Date.now() - started;
  assert.ok(waited >= 1_150 && waited < 1_600, `waited ${waited} ms`);
});

test('maxDurationMs cuts a long utterance and recognizes what was said', async () => {
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, maxDurationMs: 800 });
  await feed(listener, concat(silence(300), await speechFixture('I would like to speak to somebody about my account please', { padMs: 0 })), 1);
  const result = await listener.result;
  assert.ok(result.transcript, 'some words');
  assert.ok(result.speechEndMs !== undefined && result.speechStartMs !== undefined && result.speechEndMs - result.speechStartMs < 1_300);
});

test('cancel() stops the recognizer; the result stays pending', async () => {
  const listener = new UtteranceListener({ vad, stt }, options);
  await feed(listener, concat(silence(300), await speechFixture('operator', { padMs: 0 })));
  listener.cancel();
  const outcome = await Promise.race([listener.result.then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 300))]);
  assert.equal(outcome, 'pending');
});
