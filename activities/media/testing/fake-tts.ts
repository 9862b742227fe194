/**
 * A {@link TextToSpeech} for tests: speaks fake speech (see fake-speech.ts) whose length follows the
 * text, can be slow or down, and keeps what it was asked to say.
 */
import type { PcmAudio, TextToSpeech } from '../types.js';
import { delay } from '../providers/util.js';
import { FAKE_MS_PER_CHARACTER, FAKE_SAMPLE_RATE, fakeSpeech } from './fake-speech.js';

export interface FakeTtsOptions {
  /** Default `fake-tts`. */
  label?: string;
  sampleRate?: number;
  msPerCharacter?: number;
  /** Time each synthesis takes before its audio is ready. */
  latencyMs?: number;
  /** Every synthesis rejects with this (a provider that is down). */
  failWith?: Error;
}

/** One request the fake synthesizer received. */
export interface FakeTtsRequest {
  text: string;
  voice?: string;
  language?: string;
}

export class FakeTts implements TextToSpeech {
  readonly label: string;
  /** What it was asked to say, oldest first. */
  readonly requests: FakeTtsRequest[] = [];

  constructor(private readonly options: FakeTtsOptions = {}) {
    this.label = options.label ?? 'fake-tts';
  }

  async synthesize(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): Promise<PcmAudio> {
    const { voice, language, signal } = options;
    this.requests.push({ text, ...(voice ? { voice } : {}), ...(language ? { language } : {}) });
    if (this.options.latencyMs) await delay(this.options.latencyMs, signal);
    signal?.throwIfAborted();
    if (this.options.failWith) throw this.options.failWith;
    return fakeSpeech(text, { sampleRate: this.options.sampleRate ?? FAKE_SAMPLE_RATE, msPerCharacter: this.options.msPerCharacter ?? FAKE_MS_PER_CHARACTER });
  }
}

