/**
 * One caller utterance, from audio to transcript: voice activity detection decides where speech
 * starts and ends; only that stretch (with a little audio before it) goes to the recognizer. Fed
 * audio as it arrives; knows nothing of rooms or keys, so it runs as well on a file as on a call.
 */
import { words } from '@switchboard/flow-model';
import type { ListenOptions, ListenResult, SpeechToText, SpeechToTextResult, SpeechToTextStream, VoiceActivityDetector, VoiceActivityStream } from '../types.js';
import { soundsFinished } from './turn-end.js';

/** Audio kept before the detected start of speech and sent to the recognizer with it. */
export const PRE_ROLL_MS = 200;
/**
 * Pause after which a Menu with speech checks whether what was said so far is a whole option (and
 * then ends the turn), instead of waiting for its full end-of-turn silence.
 */
export const GRAMMAR_EARLY_END_PAUSE_MS = 250;
/**
 * Free speech (no grammar): after this pause the recognizer starts its final decode of what was said
 * so far (`peek`). With `earlyEnd`, a decode that sounds like a finished sentence ends the turn as
 * soon as it is ready; otherwise, if the caller stays silent until the end-of-turn silence, it is the
 * result, so the decode ran during the wait instead of after it.
 */
export const SPECULATIVE_FINAL_PAUSE_MS = 300;
/**
 * Free speech with `earlyEnd`: the quick recognition runs at this shorter pause already, so that at
 * the turn's own pause (`earlyEnd.pauseMs`) the turn ends at once with words it has (no recognition
 * left to wait for), and `onTentative` can start work on them before the turn ends.
 */
export const TENTATIVE_PAUSE_MS = 150;
/** The `earlyEnd` of Listen and AI agent turns: a finished-sounding sentence ends the turn at the pause. */
const FREE_SPEECH_EARLY_END = { pauseMs: SPECULATIVE_FINAL_PAUSE_MS, minConfidence: 0 } as const;

/** A free-speech step's listen options for its "end at a short pause after a finished sentence" setting (on unless false). */
export function freeSpeechTurn(endOnFinishedSentence: boolean | undefined): Pick<ListenOptions, 'earlyEnd'> {
  return endOnFinishedSentence === false ? {} : { earlyEnd: FREE_SPEECH_EARLY_END };
}
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
  /** The turn ended early: a quick recognition at a pause completed a grammar phrase or a sentence. */
  endedEarly?: boolean;
  /** Free speech: the result is the decode started at the last pause. */
  speculative?: boolean;
}

type ListenerOptions = Pick<ListenOptions, 'noSpeechTimeoutMs' | 'endSilenceMs' | 'maxDurationMs' | 'hints' | 'grammar' | 'language' | 'earlyEnd' | 'onTentative'>;

/** Whether `text` is, word for word, one of `phrases` (what a grammar result must be to end a turn early). */
export function completesPhrase(text: string, phrases: readonly string[]): boolean {
  const said = words(text).join(' ');
  return said !== '' && phrases.some((phrase) => words(phrase).join(' ') === said);
}

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
  /** Counts pauses and resumptions: a quick recognition counts only if none came after it began. */
  private pauseSeq = 0;
  /** Free speech: the final decode started at the current pause (stale once `pauseSeq` moves on). */
  private speculative: { seq: number; result: Promise<SpeechToTextResult | null> } | undefined;
  /**
   * Free speech with `earlyEnd`: what is due at the turn's own pause (`earlyEnd.pauseMs` after the
   * speech ended at `endMs`) unless the caller speaks first: ending the turn with the sentence heard at
   * the tentative pause (`offered` to `onTentative`), or a second look at one that sounded unfinished.
   */
  private atTurnPause: { seq: number; endMs: number; offered: boolean; due: () => void } | undefined;
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
    // With a grammar, the early end checks at its own pause; free speech decodes at a fixed pause.
    const early = options.earlyEnd && options.grammar?.length && options.earlyEnd.pauseMs < options.endSilenceMs ? options.earlyEnd : undefined;
    const speculate = !options.grammar?.length && SPECULATIVE_FINAL_PAUSE_MS < options.endSilenceMs;
    // A finished sentence is listened for at the shorter tentative pause, then confirmed at the turn's own.
    const tentative = speculate && options.earlyEnd ? Math.min(TENTATIVE_PAUSE_MS, options.earlyEnd.pauseMs) : undefined;
    const pauseMs = early ? early.pauseMs : (tentative ?? (speculate ? SPECULATIVE_FINAL_PAUSE_MS : undefined));
    this.vadStream = deps.vad.stream({ endSilenceMs: options.endSilenceMs, ...(pauseMs !== undefined ? { pauseMs } : {}) });
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
          else if (event.type === 'pause' && this.state === 'speaking') this.onPause(++this.pauseSeq, event.endMs);
          else if (event.type === 'resume') this.onResume();
        }
        if (this.atTurnPause) this.checkTurnPause();
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
    const speculative = this.speculative?.seq === this.pauseSeq ? this.speculative.result : undefined;
    if (speculative) void this.finishWith(speculative);
    else this.sttStream?.end();
  }

  private onPause(seq: number, endMs: number): void {
    if (this.options.grammar?.length) {
      void this.tryEarlyEnd(seq, endMs);
      return;
    }
    const stream = this.sttStream;
    if (!stream?.peek) return;
    if (this.options.earlyEnd) {
      void this.tryFinishedSentence(seq, endMs, stream);
      return;
    }
    this.speculative = { seq, result: stream.peek().catch(() => null) };
  }

  /** The caller speaks again after a pause: what was heard at it no longer ends the turn. */
  private onResume(): void {
    this.pauseSeq++;
    const offered = this.atTurnPause?.offered;
    this.atTurnPause = undefined;
    if (offered) this.options.onTentative?.(null);
  }

  /**
   * Free speech with `earlyEnd`, at the tentative pause: when what was decoded up to it sounds like
   * a finished sentence (see turn-end.ts), it is the turn's transcript unless the caller speaks
   * again before the turn's own pause (`earlyEnd.pauseMs` after the speech), where the turn ends. A
   * sentence cut at "to", "my", "and" or "um" is looked at once more at the turn's pause (the
   * decoder has heard more silence by then), and otherwise waits for the full silence.
   */
  private async tryFinishedSentence(seq: number, endMs: number, stream: SpeechToTextStream, again = false): Promise<void> {
    // What the live pass already decoded (~10 ms): measured as accurate here as a full decode, which
    // would take 0.15-0.4 x the utterance's length (bench/speech.ts, docs/performance.md).
    const heard = await stream.peek!({ quick: true }).catch(() => null);
    if (this.state !== 'speaking' || seq !== this.pauseSeq || stream !== this.sttStream) return;
    const text = heard?.text.trim() ?? '';
    if (heard && (heard.confidence ?? 1) >= (this.options.earlyEnd?.minConfidence ?? 0) && soundsFinished(text)) {
      const confidence = heard.confidence ?? 1;
      this.atTurnPause = {
        seq,
        endMs,
        offered: true,
        due: () => {
          this.timings.speculative = true;
          this.endEarly(text, confidence, endMs);
        },
      };
      this.options.onTentative?.(text);
      this.checkTurnPause();
      return;
    }
    if (!again) {
      this.atTurnPause = { seq, endMs, offered: false, due: () => void this.tryFinishedSentence(seq, endMs, stream, true) };
      this.checkTurnPause();
      return;
    }
    // Unfinished: the full silence decides, then the full decode. (A full decode started here would
    // restart PocketSphinx's live pass with only the audio after it, so a later quick answer would
    // lose the words before this pause.)
  }

  /** Runs what is due at the turn's pause once it has passed with no speech since; drops it when speech came. */
  private checkTurnPause(): void {
    const pending = this.atTurnPause;
    if (!pending) return;
    if (this.state !== 'speaking' || pending.seq !== this.pauseSeq) {
      this.atTurnPause = undefined;
      return;
    }
    if (this.ms(this.samplesSeen) < pending.endMs + (this.options.earlyEnd?.pauseMs ?? SPECULATIVE_FINAL_PAUSE_MS)) return;
    this.atTurnPause = undefined;
    pending.due();
  }

  /**
   * The turn ended with no speech since the pause: the decode started there is the result (an
   * empty one, or none, falls back to the usual end).
   */
  private async finishWith(speculative: Promise<SpeechToTextResult | null>): Promise<void> {
    const heard = await speculative;
    if (this.state !== 'finishing') return;
    const text = heard?.text.trim();
    if (!heard || !text) {
      this.sttStream?.end();
      return;
    }
    this.timings.resultAt = performance.now();
    this.timings.speculative = true;
    this.settle({ transcript: text, confidence: heard.confidence ?? 1, speechStartMs: this.speechStartMs, speechEndMs: this.speechEndMs });
  }

  /**
   * At a short pause: a quick recognition of what was said so far; when it completes a phrase of
   * the grammar confidently, and the caller has not spoken again meanwhile, the turn ends with it.
   * Otherwise (half a phrase, a mid-sentence pause, low confidence) the turn waits on as usual.
   */
  private async tryEarlyEnd(seq: number, endMs: number): Promise<void> {
    const stream = this.sttStream;
    const early = this.options.earlyEnd;
    if (!stream?.peek || !early) return;
    let heard: Awaited<ReturnType<NonNullable<SpeechToTextStream['peek']>>>;
    try {
      heard = await stream.peek();
    } catch {
      return; // the final result still comes the usual way
    }
    if (!heard || this.state !== 'speaking' || seq !== this.pauseSeq || stream !== this.sttStream) return;
    const confidence = heard.confidence ?? 0;
    if (confidence < early.minConfidence || !completesPhrase(heard.text, this.options.grammar ?? [])) return;
    this.endEarly(heard.text.trim(), confidence, endMs);
  }

  /** Ends the turn at a pause, before the full silence, with what the quick recognition heard. */
  private endEarly(transcript: string, confidence: number, endMs: number): void {
    this.timings.speechEndDetectedAt = performance.now();
    this.timings.resultAt = this.timings.speechEndDetectedAt;
    this.timings.endedEarly = true;
    this.settle({ transcript, confidence, speechStartMs: this.speechStartMs, speechEndMs: endMs });
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
