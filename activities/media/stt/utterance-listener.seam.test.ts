/**
 * The early end of turn at its seam: a scripted voice activity detector and recognizer, so the
 * order of pause, quick recognition and resumed speech is exact (the real ones are in
 * utterance-listener.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeechToText, SpeechToTextResult, SpeechToTextStream, VoiceActivityDetector, VoiceActivityEvent } from '../types.js';
import { completesPhrase, UtteranceListener } from './utterance-listener.js';

/** A detector that answers the n-th push with `script[n]`; records the options it was given. */
function scriptedVad(script: VoiceActivityEvent[][]): VoiceActivityDetector & { pauseMs?: number } {
  const vad: VoiceActivityDetector & { pauseMs?: number } = {
    label: 'scripted',
    sampleRate: 16_000,
    stream(options) {
      vad.pauseMs = options?.pauseMs;
      let n = 0;
      return { push: async () => script[n++] ?? [], close: () => {} };
    },
  };
  return vad;
}

/** A recognizer whose peek answers are released by the test; its final result says `final`. */
function scriptedStt(final: string) {
  const peeks: Array<(r: SpeechToTextResult) => void> = [];
  let ended = false;
  let finish: () => void = () => {};
  const stt: SpeechToText = {
    label: 'scripted',
    capabilities: { interimResults: false, grammar: true, hints: false, languages: ['en-US'] },
    stream(): SpeechToTextStream {
      return {
        push: () => {},
        end: () => {
          ended = true;
          finish();
        },
        peek: () => new Promise((resolve) => peeks.push(resolve)),
        results: (async function* () {
          await new Promise<void>((resolve) => (finish = resolve));
          yield { text: final, isFinal: true, confidence: 0.9 };
        })(),
      };
    },
  };
  return { stt, peeks, ended: () => ended };
}

const chunk = new Int16Array(160);
const tick = () => new Promise((r) => setTimeout(r, 5));
const options = { noSpeechTimeoutMs: 5_000, endSilenceMs: 700, maxDurationMs: 10_000, grammar: ['sales', 'customer support'], earlyEnd: { pauseMs: 250, minConfidence: 0.3 } };
const start: VoiceActivityEvent = { type: 'speechStart', atMs: 200, startMs: 100 };
const pause: VoiceActivityEvent = { type: 'pause', atMs: 800, endMs: 550 };

async function pushAll(listener: UtteranceListener, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    listener.push(chunk);
    await tick();
  }
}

test('a pause whose quick recognition is a whole phrase ends the turn with it, without the final decode', async () => {
  const vad = scriptedVad([[start], [], [pause]]);
  const { stt, peeks, ended } = scriptedStt('unused');
  const listener = new UtteranceListener({ vad, stt }, options);
  await pushAll(listener, 3);
  assert.equal(vad.pauseMs, 250);
  assert.equal(peeks.length, 1, 'one quick recognition at the pause');
  peeks[0]!({ text: 'Sales', isFinal: false, confidence: 0.8 });
  assert.deepEqual(await listener.result, { transcript: 'Sales', confidence: 0.8, speechStartMs: 100, speechEndMs: 550 });
  assert.equal(listener.timings.endedEarly, true);
  assert.equal(ended(), false);
});

test('speech resuming while the quick recognition runs keeps the turn open', async () => {
  const vad = scriptedVad([[start], [pause], [{ type: 'resume', atMs: 900 }], [], [{ type: 'speechEnd', atMs: 2000, startMs: 100, endMs: 1300 }]]);
  const { stt, peeks } = scriptedStt('customer support');
  const listener = new UtteranceListener({ vad, stt }, options);
  await pushAll(listener, 3);
  peeks[0]!({ text: 'sales', isFinal: false, confidence: 0.9 }); // answered after the resume: stale
  await pushAll(listener, 2);
  const result = await listener.result;
  assert.equal(result.transcript, 'customer support');
  assert.equal(result.speechEndMs, 1300);
  assert.equal(listener.timings.endedEarly, undefined);
});

test('half a phrase, or an unsure one, waits for the full silence', async () => {
  for (const heard of [{ text: 'customer', confidence: 0.9 }, { text: 'sales', confidence: 0.1 }, { text: '', confidence: 0 }]) {
    const vad = scriptedVad([[start], [pause], [], [{ type: 'speechEnd', atMs: 1300, startMs: 100, endMs: 550 }]]);
    const { stt, peeks } = scriptedStt('customer support');
    const listener = new UtteranceListener({ vad, stt }, options);
    await pushAll(listener, 2);
    peeks[0]!({ ...heard, isFinal: false });
    await pushAll(listener, 2);
    assert.equal((await listener.result).transcript, 'customer support', JSON.stringify(heard));
    assert.equal(listener.timings.endedEarly, undefined);
  }
});

test('no early end without a grammar phrase list or when the pause is not shorter than the silence', () => {
  for (const opts of [{ ...options, earlyEnd: { pauseMs: 700, minConfidence: 0.3 } }, { ...options, earlyEnd: undefined }]) {
    const vad = scriptedVad([]);
    new UtteranceListener({ vad, stt: scriptedStt('x').stt }, opts).cancel();
    assert.equal(vad.pauseMs, undefined);
  }
});

test('completesPhrase compares whole phrases word for word, ignoring case and punctuation', () => {
  assert.equal(completesPhrase('Customer support.', ['customer support']), true);
  assert.equal(completesPhrase('customer', ['customer support']), false);
  assert.equal(completesPhrase('sales please', ['sales']), false);
  assert.equal(completesPhrase('', ['sales']), false);
});

// Free speech (Listen, AI agent): a finished sentence is heard at the tentative pause and ends the turn at the turn's own.

const freeOptions = { noSpeechTimeoutMs: 5_000, endSilenceMs: 1_500, maxDurationMs: 10_000, earlyEnd: { pauseMs: 300, minConfidence: 0 } };
const isSettled = async (listener: UtteranceListener): Promise<boolean> =>
  Promise.race([listener.result.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);
const pauseAt20: VoiceActivityEvent = { type: 'pause', atMs: 20, endMs: 20 };

/** A free-speech listener on a scripted detector and recognizer, recording what it offers (`onTentative`). */
function freeSpeechListener(script: VoiceActivityEvent[][], final: string) {
  const vad = scriptedVad(script);
  const { stt, peeks, ended } = scriptedStt(final);
  const offered: Array<string | null> = [];
  const listener = new UtteranceListener({ vad, stt }, { ...freeOptions, onTentative: (words) => offered.push(words) });
  return { vad, listener, peeks, ended, offered };
}

test('free speech: a finished sentence at the tentative pause is offered at once and ends the turn when the turn’s pause has passed', async () => {
  // Pushes are 10 ms each: speech ends at 20 ms, so the turn's 300 ms pause has passed at the 32nd push.
  const { vad, listener, peeks, ended, offered } = freeSpeechListener([[start], [pauseAt20]], 'unused');
  assert.equal(vad.pauseMs, 150, 'the detector reports the shorter, tentative pause');
  await pushAll(listener, 2);
  assert.equal(peeks.length, 1, 'one quick recognition at the tentative pause');
  peeks[0]!({ text: 'I would like to check my balance', isFinal: false, confidence: 0.7 });
  await tick();
  assert.deepEqual(offered, ['I would like to check my balance'], 'offered before the turn ends');
  await pushAll(listener, 20); // 220 ms of audio: the turn's pause has not passed yet
  assert.equal(await isSettled(listener), false);
  await pushAll(listener, 10);
  assert.deepEqual(await listener.result, { transcript: 'I would like to check my balance', confidence: 0.7, speechStartMs: 100, speechEndMs: 20 });
  assert.equal(listener.timings.endedEarly, true);
  assert.equal(peeks.length, 1, 'no second recognition at the turn’s pause');
  assert.equal(ended(), false, 'no final decode');
});

test('free speech: speaking again after a tentative sentence takes it back; the full silence and the final decode decide', async () => {
  const { listener, peeks, ended, offered } = freeSpeechListener([[start], [pauseAt20], [], [{ type: 'resume', atMs: 40 }], [], [{ type: 'speechEnd', atMs: 2000, startMs: 100, endMs: 600 }]], 'I would like to check my balance please');
  await pushAll(listener, 2);
  peeks[0]!({ text: 'I would like to check my balance', isFinal: false, confidence: 0.7 });
  await pushAll(listener, 4);
  assert.deepEqual(offered, ['I would like to check my balance', null]);
  assert.equal(ended(), true, 'the final decode ran');
  assert.equal((await listener.result).transcript, 'I would like to check my balance please');
  assert.equal(listener.timings.endedEarly, undefined);
});

test('free speech: an unfinished sentence at the tentative pause is not offered, is looked at again at the turn’s pause, then waits for the full silence', async () => {
  const { listener, peeks, offered } = freeSpeechListener([[start], [pauseAt20], ...Array.from({ length: 40 }, () => []), [{ type: 'speechEnd', atMs: 1600, startMs: 100, endMs: 20 }]], 'I need to talk to');
  await pushAll(listener, 2);
  peeks[0]!({ text: 'I need to talk to', isFinal: false, confidence: 0.7 });
  await pushAll(listener, 20);
  assert.equal(peeks.length, 1, 'not again before the turn’s pause');
  await pushAll(listener, 15);
  assert.equal(peeks.length, 2, 'again at the turn’s pause');
  peeks[1]!({ text: 'I need to talk to', isFinal: false, confidence: 0.7 });
  assert.equal(await isSettled(listener), false, 'still open after the turn’s pause');
  await pushAll(listener, 6);
  assert.equal((await listener.result).transcript, 'I need to talk to');
  assert.deepEqual(offered, []);
  assert.equal(listener.timings.endedEarly, undefined);
});

test('free speech: a sentence unfinished at the tentative pause but finished at the turn’s pause ends the turn there', async () => {
  const { listener, peeks, ended, offered } = freeSpeechListener([[start], [pauseAt20]], 'unused');
  await pushAll(listener, 2);
  peeks[0]!({ text: 'I would like to check my', isFinal: false, confidence: 0.7 });
  await pushAll(listener, 30);
  assert.equal(peeks.length, 2);
  peeks[1]!({ text: 'I would like to check my balance', isFinal: false, confidence: 0.8 });
  assert.equal((await listener.result).transcript, 'I would like to check my balance');
  assert.deepEqual(offered, ['I would like to check my balance']);
  assert.equal(listener.timings.endedEarly, true);
  assert.equal(ended(), false);
});
