/**
 * One caller utterance, from audio to transcript: voice activity detection decides where speech
 * starts and ends; only that stretch (with a little audio before it) goes to the recognizer. Fed
 * audio as it arrives; knows nothing of rooms or keys, so it runs as well on a file as on a call.
 */
import type { ListenOptions, ListenResult, SpeechToText, SpeechToTextStream, VoiceActivityDetector, VoiceActivityStream } from '../types.js';

/** Audio kept before the detected start of speech and sent to the recognizer with it. */
export const PRE_ROLL_MS = 200;
/** Rate of the audio pushed to {@link UtteranceListener}. */
export const LISTEN_SAMPLE_RATE = 16_000;

/** What {@link UtteranceListener} needs from the media side. */
export interface UtteranceListenerDeps {
  vad: VoiceActivityDetector;
  stt: SpeechToText;
}

/** Timings of one listen, for benchmarks: performance.now() values. */
export interface UtteranceTimings {
  /** The detector reported the end of speech (or the time limit ended it). */
  speechEndDetectedAt?: number;
  /** The recognizer's final result came. */
  resultAt?: number;
}

type ListenerOptions = Pick<ListenOptions, 'noSpeechTimeoutMs' | 'endSilenceMs' | 'maxDurationMs' | 'hints' | 'grammar' | 'language'>;

/**
 * Listens for one utterance. Push 16 kHz mono audio as it comes; `result` resolves with the
 * transcript, or with `transcript: null` when no speech started within `noSpeechTimeoutMs` (speech
 * the recognizer turns into nothing, such as a cough, does not count). `cancel()` stops everything.
 */
export class UtteranceListener {
  readonly result: Promise<ListenResult>;
  readonly timings: UtteranceTimings = {};

  private readonly vadStream: VoiceActivityStream;
  private sttStream: SpeechToTextStream | undefined;
  private state: 'waiting' | 'speaking' | 'finishing' | 'done' = 'waiting';
  /** Samples pushed so far: the listener's clock. */
  private samplesSeen = 0;
  /** Recent audio while waiting, to hand the recognizer the start of speech. */
  private readonly preRoll: Int16Array[] = [];
  private preRollSamples = 0;
  private speechStartMs = 0;
  private speechEndMs = 0;
  /** Audio waiting for the detector, which runs one push at a time. */
  private readonly queue: Int16Array[] = [];
  private draining = false;
  private noSpeechTimer: NodeJS.Timeout | undefined;
  private maxDurationTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private resolve!: (result: ListenResult) => void;
  private reject!: (err: unknown) => void;

  constructor(
    private readonly deps: UtteranceListenerDeps,
    private readonly options: ListenerOptions,
  ) {
    this.result = new Promise<ListenResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.vadStream = deps.vad.stream({ endSilenceMs: options.endSilenceMs });
    this.noSpeechTimer = setTimeout(() => this.onNoSpeechTimeout(), Math.max(0, options.noSpeechTimeoutMs));
  }

  push(samples: Int16Array): void {
    if (this.state === 'done' || this.state === 'finishing' || samples.length === 0) return;
    this.queue.push(samples);
    if (!this.draining) void this.drain();
  }

  /** Stops listening; `result` stays unresolved (the caller decides what listening ended with). */
  cancel(): void {
    this.finish();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let samples = this.queue.shift(); samples && this.isListening(); samples = this.queue.shift()) {
        this.samplesSeen += samples.length;
        if (this.state === 'speaking') this.sttStream?.push(samples);
        else this.keepPreRoll(samples);
        const events = await this.vadStream.push(samples);
        for (const event of events) {
          if (event.type === 'speechStart' && this.state === 'waiting') this.startSpeech(event.startMs);
          else if (event.type === 'speechEnd' && this.state === 'speaking') this.endSpeech(event.endMs);
        }
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
    }
  }

  private isListening(): boolean {
    return this.state === 'waiting' || this.state === 'speaking';
  }

  private keepPreRoll(samples: Int16Array): void {
    this.preRoll.push(samples);
    this.preRollSamples += samples.length;
    // Keep what the detector may still backdate a start to (minimum speech + a window), plus pre-roll.
    const keep = (LISTEN_SAMPLE_RATE * (PRE_ROLL_MS + 600)) / 1000;
    while (this.preRollSamples - (this.preRoll[0]?.length ?? 0) >= keep) this.preRollSamples -= this.preRoll.shift()?.length ?? 0;
  }

  /** Speech started at `startMs` (listener time); the pre-roll ends with the current push. */
  private startSpeech(startMs: number): void {
    this.state = 'speaking';
    this.speechStartMs = startMs;
    clearTimeout(this.noSpeechTimer);
    let stream: SpeechToTextStream;
    try {
      stream = this.deps.stt.stream({
        sampleRate: LISTEN_SAMPLE_RATE,
        grammar: this.options.grammar,
        hints: this.options.hints,
        language: this.options.language,
        signal: this.abort.signal,
      });
    } catch (err) {
      this.fail(err);
      return;
    }
    this.sttStream = stream;
    // Hand over the audio from shortly before the start of speech up to the end of this push.
    const fromSample = Math.max(0, Math.round(((startMs - PRE_ROLL_MS) * LISTEN_SAMPLE_RATE) / 1000));
    let at = this.samplesSeen - this.preRollSamples;
    for (const chunk of this.preRoll) {
      const end = at + chunk.length;
      if (end > fromSample) stream.push(at >= fromSample ? chunk : chunk.subarray(fromSample - at));
      at = end;
    }
    this.preRoll.length = 0;
    this.preRollSamples = 0;
    this.maxDurationTimer = setTimeout(() => this.endSpeech(this.ms(this.samplesSeen)), Math.max(0, this.options.maxDurationMs));
    void this.collect(stream);
  }

  private endSpeech(endMs: number): void {
    if (this.state !== 'speaking') return;
    this.state = 'finishing';
    this.speechEndMs = endMs;
    this.timings.speechEndDetectedAt = performance.now();
    clearTimeout(this.maxDurationTimer);
    this.sttStream?.end();
  }

  private async collect(stream: SpeechToTextStream): Promise<void> {
    try {
      for await (const result of stream.results) {
        if (!result.isFinal) continue;
        this.timings.resultAt = performance.now();
        if (this.state === 'done') return;
        const text = result.text.trim();
        if (text) {
          this.settle({
            transcript: text,
            confidence: result.confidence ?? 1,
            speechStartMs: this.speechStartMs,
            speechEndMs: this.speechEndMs,
          });
        } else {
          this.resumeWaiting();
        }
        return;
      }
      if (this.state !== 'done') this.resumeWaiting();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Speech that held no words (a cough the detector let through): wait on, within the no-speech time. */
  private resumeWaiting(): void {
    if (this.state === 'done') return;
    this.state = 'waiting';
    this.sttStream = undefined;
    clearTimeout(this.maxDurationTimer);
    const left = this.options.noSpeechTimeoutMs - this.ms(this.samplesSeen);
    this.noSpeechTimer = setTimeout(() => this.onNoSpeechTimeout(), Math.max(0, left));
  }

  private onNoSpeechTimeout(): void {
    if (this.state === 'waiting') this.settle({ transcript: null, confidence: 0 });
  }

  private settle(result: ListenResult): void {
    if (this.state === 'done') return;
    this.finish();
    this.resolve(result);
  }

  private fail(err: unknown): void {
    if (this.state === 'done') return;
    this.finish();
    this.reject(err);
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    clearTimeout(this.noSpeechTimer);
    clearTimeout(this.maxDurationTimer);
    this.abort.abort(new Error('listening ended'));
    this.vadStream.close();
    this.queue.length = 0;
    this.preRoll.length = 0;
  }

  private ms(samples: number): number {
    return Math.round((samples / LISTEN_SAMPLE_RATE) * 1000);
  }
}
