/**
 * A {@link SpeechToText} for tests: hears the words carried by fake speech (fake-speech.ts), keeps to
 * a grammar as a real recognizer does, and can be unsure, slow or down. It keeps the options of every
 * stream, so a test sees what recognition was asked for (a menu's phrases, a language).
 */
import type { SpeechToText, SpeechToTextCapabilities, SpeechToTextResult, SpeechToTextStream, SpeechToTextStreamOptions } from '../types.js';
import { delay, normalizeTranscript } from '../providers/util.js';
import { concatSamples } from '../dtmf/tone-generator.js';
import { wordsIn } from './fake-speech.js';

export interface FakeSttOptions {
  /** Default `fake-stt`. */
  label?: string;
  /** Confidence of a recognized result (0 for nothing recognized); default 0.9. */
  confidence?: number;
  /** Time from `end()` to the final result. */
  latencyMs?: number;
  /** Every stream's results reject with this (a provider that is down). */
  failWith?: Error;
  /** Default `['en-us']`. */
  languages?: string[];
}

export class FakeStt implements SpeechToText {
  readonly label: string;
  readonly capabilities: SpeechToTextCapabilities;
  /** Options of each stream opened, oldest first. */
  readonly streams: SpeechToTextStreamOptions[] = [];

  constructor(private readonly options: FakeSttOptions = {}) {
    this.label = options.label ?? 'fake-stt';
    this.capabilities = { interimResults: false, grammar: true, hints: true, languages: options.languages ?? ['en-us'] };
  }

  stream(streamOptions: SpeechToTextStreamOptions): SpeechToTextStream {
    this.streams.push(streamOptions);
    const { latencyMs, failWith, confidence = 0.9 } = this.options;
    const pushed: Int16Array[] = [];
    let ended = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    async function* results(): AsyncGenerator<SpeechToTextResult> {
      const { signal, sampleRate, grammar } = streamOptions;
      const aborted = new Promise<'aborted'>((resolve) => signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
      if (signal?.aborted || (await Promise.race([finished, aborted])) === 'aborted') return;
      if (latencyMs) await delay(latencyMs, signal);
      if (failWith) throw failWith;
      const samples = concatSamples(pushed);
      const said = normalizeTranscript(wordsIn(samples));
      const text = grammar ? (grammar.map(normalizeTranscript).find((phrase) => phrase === said) ?? '') : said;
      yield { text, isFinal: true, confidence: text ? confidence : 0, startMs: 0, endMs: Math.round((samples.length / sampleRate) * 1000) };
    }
    return {
      push: (samples) => {
        if (!ended) pushed.push(samples);
      },
      end: () => {
        ended = true;
        finish();
      },
      results: results(),
    };
  }
}
