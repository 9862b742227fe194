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
