// test-runner: serial (asserts wall-clock timings: how soon audio stops or a turn ends)
/** One utterance through the real VAD and recognizer, fed as a call would feed it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SileroVad } from '../vad/silero-vad.js';
import { PocketsphinxStt } from './pocketsphinx-stt.js';
import { concat, loudSpan, noiseEvent, silence, speechFixture } from './speech-fixtures.js';
import { freeSpeechTurn, UtteranceListener } from './utterance-listener.js';

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
  // The result follows the end of speech (how soon is a figure of `npm run bench -- speech`, not a
  // timed assertion: on a loaded machine it flaked at 300 ms).
  assert.ok(speechEndDetectedAt !== undefined && resultAt !== undefined && resultAt >= speechEndDetectedAt, 'the result comes after the end of speech');
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

// Early end of turn (a Menu with speech): a whole option and a short pause end the turn.

const earlyOptions = { ...options, endSilenceMs: 1_500, earlyEnd: { pauseMs: 250, minConfidence: 0.3 } };

/** Feeds at real time, counting what was pushed until the result came. */
async function feedUntilResult(listener: UtteranceListener, audio: Int16Array): Promise<number> {
  let settled = false;
  void listener.result.then(() => (settled = true), () => (settled = true));
  let pushed = 0;
  for (let at = 0; at < audio.length && !settled; at += 160) {
    listener.push(audio.slice(at, at + 160));
    pushed += 160;
    if ((at / 160) % 5 === 4) await new Promise((r) => setTimeout(r, 50));
  }
  return (pushed / 16_000) * 1000;
}

test('early end: a whole menu option and a short pause end the turn well before the full silence', async (t) => {
  const listener = new UtteranceListener({ vad, stt }, earlyOptions);
  const word = await speechFixture('billing', { channel: 'phone', padMs: 0 });
  const speechEnd = 500 + (loudSpan(word)?.endMs ?? NaN);
  const pushedMs = await feedUntilResult(listener, concat(silence(500), word, silence(2_500)));
  const result = await listener.result;
  t.diagnostic(`ended ${Math.round(pushedMs - speechEnd)} ms of audio after speech`);
  assert.equal(result.transcript, 'billing');
  assert.equal(listener.timings.endedEarly, true);
  assert.ok(pushedMs - speechEnd < 800, `ended ${Math.round(pushedMs - speechEnd)} ms of audio after speech (full silence 1500 ms)`);
});

test('early end waits through a pause when what was said is not yet a whole option', async () => {
  const listener = new UtteranceListener({ vad, stt }, { ...earlyOptions, endSilenceMs: 1_000, grammar: ['customer support', 'sales', 'billing'] });
  const first = await speechFixture('customer', { padMs: 0 });
  const second = await speechFixture('support', { padMs: 0 });
  await feedUntilResult(listener, concat(silence(400), first, silence(550), second, silence(2_000)));
  const result = await listener.result;
  assert.equal(result.transcript, 'customer support');
});

test('without earlyEnd (or a grammar) the full end silence still decides', async () => {
  const listener = new UtteranceListener({ vad, stt }, { ...earlyOptions, earlyEnd: undefined });
  const word = await speechFixture('sales', { padMs: 0 });
  const speechEnd = 400 + (loudSpan(word)?.endMs ?? NaN);
  const pushedMs = await feedUntilResult(listener, concat(silence(400), word, silence(2_500)));
  assert.equal((await listener.result).transcript, 'sales');
  assert.equal(listener.timings.endedEarly, undefined);
  assert.ok(pushedMs - speechEnd >= 1_400, `ended ${Math.round(pushedMs - speechEnd)} ms after speech`);
});

test('free speech: the final decode starts at a pause and is the result when the caller stays silent', async () => {
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, endSilenceMs: 800 });
  await feedUntilResult(listener, concat(silence(300), await speechFixture('I would like to check my balance', { padMs: 0 }), silence(2_000)));
  const result = await listener.result;
  assert.match(result.transcript ?? '', /balance/);
  assert.equal(listener.timings.speculative, true);
});

test('free speech: speech after the pause discards the early decode; the result has all of it', async () => {
  // The gap's silence (with the words' quiet edges) is past the 300 ms pause, short of the 1000 ms end.
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, endSilenceMs: 1_000 });
  const audio = concat(silence(300), await speechFixture('I would like', { padMs: 0 }), silence(500), await speechFixture('to check my balance', { padMs: 0 }), silence(2_000));
  await feedUntilResult(listener, audio);
  const result = await listener.result;
  // The offline recognizer garbles free speech (about half the words), so check what it covers.
  const first = loudSpan(await speechFixture('I would like', { padMs: 0 }))!;
  assert.ok((result.speechEndMs ?? 0) > 300 + first.endMs + 500, `the turn ended at ${result.speechEndMs} ms, with the first words`);
  assert.ok((result.transcript ?? '').split(' ').length >= 5, `words of both parts: ${result.transcript}`);
});

test('free speech with earlyEnd: a finished sentence and a short pause end the turn before the full silence', async (t) => {
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, endSilenceMs: 1_500, earlyEnd: { pauseMs: 300, minConfidence: 0 } });
  const sentence = await speechFixture('I would like to check my balance', { padMs: 0 });
  const speechEnd = 300 + (loudSpan(sentence)?.endMs ?? NaN);
  const pushedMs = await feedUntilResult(listener, concat(silence(300), sentence, silence(2_500)));
  const result = await listener.result;
  t.diagnostic(`ended ${Math.round(pushedMs - speechEnd)} ms of audio after speech: "${result.transcript}"`);
  assert.match(result.transcript ?? '', /balance/);
  assert.equal(listener.timings.endedEarly, true);
  assert.ok(pushedMs - speechEnd < 1_200, `ended ${Math.round(pushedMs - speechEnd)} ms of audio after speech (full silence 1500 ms)`);
});

test('the step setting: a finished sentence ends the turn early unless the step turns it off', async () => {
  assert.deepEqual(freeSpeechTurn(undefined), freeSpeechTurn(true));
  assert.ok(freeSpeechTurn(true).earlyEnd);
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, endSilenceMs: 1_200, ...freeSpeechTurn(false) });
  const sentence = await speechFixture('I would like to check my balance', { padMs: 0 });
  const speechEnd = 300 + (loudSpan(sentence)?.endMs ?? NaN);
  const pushedMs = await feedUntilResult(listener, concat(silence(300), sentence, silence(2_500)));
  assert.match((await listener.result).transcript ?? '', /\w/);
  assert.equal(listener.timings.endedEarly, undefined);
  assert.ok(pushedMs - speechEnd >= 1_100, `turned off, the 1200 ms silence decides: ended ${Math.round(pushedMs - speechEnd)} ms after speech`);
});

test('free speech with earlyEnd: a pause after an unfinished sentence ("…to") waits for the rest', async () => {
  const listener = new UtteranceListener({ vad, stt }, { ...options, grammar: undefined, endSilenceMs: 1_200, earlyEnd: { pauseMs: 300, minConfidence: 0 } });
  const first = await speechFixture('I need to talk to', { padMs: 0 });
  const audio = concat(silence(300), first, silence(600), await speechFixture('somebody about my account', { padMs: 0 }), silence(2_500));
  await feedUntilResult(listener, audio);
  const result = await listener.result;
  assert.ok((result.speechEndMs ?? 0) > 300 + loudSpan(first)!.endMs + 600, `the turn ended at ${result.speechEndMs} ms, after the first part: "${result.transcript}"`);
  assert.match(result.transcript ?? '', /account/);
  // Both parts (9 words said; the second alone is 4), not only what came after the pause.
  assert.ok((result.transcript ?? '').split(' ').length >= 6, `words of both parts: "${result.transcript}"`);
});
