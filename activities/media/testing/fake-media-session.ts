/**
 * A {@link MediaSession} for tests: one call without a LiveKit room, with a caller the test plays.
 * Prompts are synthesized by the session's (or the prompt's) {@link TextToSpeech} and "played" in
 * real time for their audio's length; the caller presses keys (`press`), talks (`speak`, fake speech
 * that a {@link FakeStt} hears word for word), hangs up (`hangUp`), or the worker loses the room
 * (`loseRoom`). It keeps the rules the activities rely on, as `LiveKitMediaSession` does: one prompt
 * at a time; a key stops an interruptible prompt and stays buffered (type-ahead); speech stops a
 * prompt with `bargeInOnSpeech` and is what the next `listen()` hears; speech the recognizer makes
 * nothing of does not end a `listen()`; pending work rejects with {@link MediaSessionEndedError} when
 * the caller leaves or the session ends; the agent's own `hangup()` is not reported as the caller
 * leaving.
 */
import type {
  AgentAudioListener,
  CallerAudioListener,
  ListenOptions,
  ListenResult,
  MediaSession,
  PcmAudio,
  RecordCallerOptions,
  RecordCallerResult,
  SayOptions,
  SayResult,
  SpeechToText,
  TextToSpeech,
} from '../types.js';
import { MediaSessionEndedError, type MediaSessionEndReason } from '../session/ended.js';
import { concatSamples } from '../dtmf/tone-generator.js';
import { durationMs, FAKE_SAMPLE_RATE, fakeSpeech, wordsIn } from './fake-speech.js';
import { FakeTts } from './fake-tts.js';

/** Interval of `onProgress` calls while a prompt plays or the caller is waited for. */
const PROGRESS_INTERVAL_MS = 250;

export interface FakeMediaSessionOptions {
  /** Default `fake-room`. */
  roomName?: string;
  /** Speaks prompts that name no provider of their own; default a new {@link FakeTts}. */
  tts?: TextToSpeech;
  /** Recognizes for `listen()` calls that name none; without it such a `listen()` rejects. */
  stt?: SpeechToText;
  /** Default `sip_+15550100`. */
  callerIdentity?: string;
  /** False: the room is empty until `callerJoins()`. Default true. */
  callerPresent?: boolean;
}

/** A prompt as the caller was played it (text is '' for recorded audio that carries no words). */
export interface PlayedPrompt extends SayResult {
  text: string;
}

/** What the session is waiting for from the caller. */
export type CallerInput = 'digit' | 'speech' | 'recording';

/** Hooks of one wait for the caller; each returns the outcome, or undefined to keep waiting. */
interface WaitHooks<T> {
  onDigit?: () => { result: T } | undefined;
  onSpeech?: (audio: PcmAudio) => { result: T } | undefined;
  onTimeout: () => T;
  /** Default: reject with MediaSessionEndedError('callerLeft'). */
  onCallerLeft?: () => T;
}

export class FakeMediaSession implements MediaSession {
  readonly roomName: string;
  /** Every prompt the caller was played, in order. */
  readonly played: PlayedPrompt[] = [];
  /** True once the agent ended the call with `hangup()`. */
  hungUp = false;
  /** True once the session ended (close, hangup or a lost room). */
  ended = false;

  private readonly tts: TextToSpeech;
  private readonly stt: SpeechToText | undefined;
  private readonly identity: string;
  private callerInRoom: boolean;
  private callerLeft = false;
  private removed = false;
  private readonly digits: string[] = [];
  private readonly digitListeners = new Set<() => void>();
  private readonly speechListeners = new Set<(audio: PcmAudio) => void>();
  private readonly endListeners = new Set<(reason: MediaSessionEndReason) => void>();
  private readonly callerLeftListeners: Array<() => void> = [];
  private readonly removedListeners: Array<() => void> = [];
  private readonly callerAudioListeners = new Set<CallerAudioListener>();
  private readonly agentAudioListeners = new Set<AgentAudioListener>();
  /** Speech that stopped the last prompt, for the next listen(). */
  private bargeInSpeech: PcmAudio | undefined;
  private sayChain: Promise<unknown> = Promise.resolve();
  private playingText: string | undefined;
  private waitingFor: CallerInput | undefined;
  private readonly playingWaiters: Array<(text: string) => void> = [];
  private readonly waitingWaiters: Array<(input: CallerInput) => void> = [];

  constructor(options: FakeMediaSessionOptions = {}) {
    this.roomName = options.roomName ?? 'fake-room';
    this.tts = options.tts ?? new FakeTts();
    this.stt = options.stt;
    this.identity = options.callerIdentity ?? 'sip_+15550100';
    this.callerInRoom = options.callerPresent ?? true;
  }

  // --- the caller, as the test plays it ---

  /** The caller joins the room. */
  callerJoins(): void {
    this.callerInRoom = true;
  }

  /** The caller presses a key: buffered, and it stops an interruptible prompt. */
  press(digit: string): void {
    this.digits.push(digit);
    for (const listener of [...this.digitListeners]) listener();
  }

  /**
   * The caller says `text` (it has just finished saying it). Heard only by what hears the caller
   * now: a prompt with speech barge-in, a `listen()`, a recording, caller-audio listeners; returns
   * false when nothing did (the words are lost, as in a room where nobody listens).
   */
  speak(text: string): boolean {
    const audio = fakeSpeech(text, { sampleRate: FAKE_SAMPLE_RATE });
    for (const listener of [...this.callerAudioListeners]) listener(audio.samples);
    const hearers = [...this.speechListeners];
    for (const listener of hearers) listener(audio);
    return hearers.length > 0;
  }

  /** The caller hangs up: pending work rejects and `onCallerLeft` listeners fire. */
  hangUp(): void {
    if (this.callerLeft || this.ended) return;
    this.callerInRoom = false;
    this.callerLeft = true;
    this.notifyEnd('callerLeft');
    for (const listener of this.callerLeftListeners.splice(0)) listener();
  }

  /** This worker loses the room (another worker took the call, or it was cut off); the call goes on. */
  loseRoom(): void {
    if (this.ended) return;
    this.ended = true;
    this.removed = true;
    this.notifyEnd('closed');
    for (const listener of this.removedListeners.splice(0)) listener();
  }

  /** Resolves with the text of the prompt playing now, or else of the next one to start. */
  playing(): Promise<string> {
    if (this.playingText !== undefined) return Promise.resolve(this.playingText);
    return new Promise((resolve) => this.playingWaiters.push(resolve));
  }

  /** Resolves with what the session waits for from the caller now, or else next. */
  waiting(): Promise<CallerInput> {
    if (this.waitingFor !== undefined) return Promise.resolve(this.waitingFor);
    return new Promise((resolve) => this.waitingWaiters.push(resolve));
  }

  // --- MediaSession ---

  get callerPresent(): boolean {
    return !this.ended && this.callerInRoom;
  }

  get callerIdentity(): string | undefined {
    return this.callerPresent ? this.identity : undefined;
  }

  say(text: string, options: SayOptions): Promise<SayResult> {
    return this.enqueue(() => this.play(text, options));
  }

  playAudio(audio: PcmAudio, options: SayOptions): Promise<SayResult> {
    return this.enqueue(() => this.play(audio, options));
  }

  nextDigit(timeoutMs: number, options: { signal?: AbortSignal; onProgress?: () => void } = {}): Promise<string | null> {
    const buffered = this.digits.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    return this.waitForCaller<string | null>('digit', timeoutMs, options, {
      onDigit: () => {
        const digit = this.digits.shift();
        return digit === undefined ? undefined : { result: digit };
      },
      onTimeout: () => null,
    });
  }

  clearDigits(): void {
    this.digits.length = 0;
  }

  onCallerLeft(listener: () => void): void {
    if (this.callerLeft) queueMicrotask(listener);
    else this.callerLeftListeners.push(listener);
  }

  onRemoved(listener: () => void): void {
    if (this.removed) queueMicrotask(listener);
    else this.removedListeners.push(listener);
  }

  async listen(options: ListenOptions): Promise<ListenResult> {
    options.signal?.throwIfAborted();
    this.throwIfEnded();
    const buffered = this.digits.shift();
    if (buffered !== undefined) return { transcript: null, confidence: 0, digit: buffered };
    const stt = options.stt ?? this.stt;
    if (!stt) throw new Error('listen() needs a speech recognizer (FakeMediaSessionOptions stt)');
    const started = performance.now();
    const deadline = started + options.noSpeechTimeoutMs;
    let speech = this.bargeInSpeech;
    this.bargeInSpeech = undefined;
    for (;;) {
      const heard: { audio: PcmAudio } | { digit: string } | null = speech
        ? { audio: speech }
        : await this.waitForCaller<{ audio: PcmAudio } | { digit: string } | null>('speech', deadline - performance.now(), options, {
            onDigit: () => {
              const digit = this.digits.shift();
              return digit === undefined ? undefined : { result: { digit } };
            },
            onSpeech: (audio) => ({ result: { audio } }),
            onTimeout: () => null,
          });
      speech = undefined;
      if (heard === null) return { transcript: null, confidence: 0 };
      if ('digit' in heard) return { transcript: null, confidence: 0, digit: heard.digit };
      const speechEndMs = Math.round(performance.now() - started);
      const result = await this.recognize(stt, heard.audio, options);
      this.throwIfEnded();
      // Speech the recognizer makes nothing of (a cough) does not end the turn.
      if (result.text.trim()) {
        return {
          transcript: result.text.trim(),
          confidence: result.confidence ?? 1,
          speechStartMs: Math.max(0, speechEndMs - Math.round(durationMs(heard.audio))),
          speechEndMs,
        };
      }
    }
  }

  async recordCaller(options: RecordCallerOptions): Promise<RecordCallerResult> {
    const { signal, finishKey } = options;
    signal?.throwIfAborted();
    this.throwIfEnded();
    const audio: Int16Array[] = [];
    return new Promise<RecordCallerResult>((resolve, reject) => {
      let silence: NodeJS.Timeout | undefined;
      const settle = (outcome: { endedBy: RecordCallerResult['endedBy'] } | { error: unknown }): void => {
        clearTimeout(silence);
        clearTimeout(limit);
        unwire();
        this.waitingFor = undefined;
        if ('error' in outcome) return reject(outcome.error);
        const recorded = { sampleRate: FAKE_SAMPLE_RATE, samples: concatSamples(audio) };
        resolve({ audio: recorded, durationMs: Math.round(durationMs(recorded)), endedBy: outcome.endedBy });
      };
      // Silence ends it: from the start, and again after each thing said.
      const listenForSilence = (): void => {
        clearTimeout(silence);
        silence = setTimeout(() => settle({ endedBy: 'silence' }), options.silenceTimeoutMs);
      };
      const limit = setTimeout(() => settle({ endedBy: 'maxDuration' }), options.maxDurationMs);
      const unwire = this.wire(options, {
        onDigit: () => {
          // Only a key pressed now counts; other keys stay buffered for what comes next.
          if (finishKey === undefined || this.digits.at(-1) !== finishKey) return;
          this.digits.pop();
          settle({ endedBy: 'key' });
        },
        onSpeech: (speech) => {
          audio.push(speech.samples);
          listenForSilence();
        },
        // A caller who hangs up has finished the message: keep what was said.
        onEnd: (reason) => settle(reason === 'callerLeft' ? { endedBy: 'hangup' } : { error: new MediaSessionEndedError(reason) }),
        onAbort: () => settle({ error: signal?.reason }),
      });
      listenForSilence();
      this.nowWaiting('recording');
    });
  }

  onCallerAudio(listener: CallerAudioListener): () => void {
    if (this.ended) return () => {};
    this.callerAudioListeners.add(listener);
    return () => this.callerAudioListeners.delete(listener);
  }

  onAgentAudio(listener: AgentAudioListener): () => void {
    this.agentAudioListeners.add(listener);
    return () => this.agentAudioListeners.delete(listener);
  }

  async hangup(): Promise<void> {
    if (!this.ended) {
      this.hungUp = true;
      this.callerInRoom = false;
    }
    return this.close();
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.notifyEnd('closed');
  }

  // --- inside ---

  private enqueue(play: () => Promise<SayResult>): Promise<SayResult> {
    const run = this.sayChain.then(play);
    this.sayChain = run.catch(() => {});
    return run;
  }

  private async play(what: string | PcmAudio, options: SayOptions): Promise<SayResult> {
    const { signal, interruptible } = options;
    const text = typeof what === 'string' ? what : wordsIn(what.samples);
    const check = (): void => {
      signal?.throwIfAborted();
      this.throwIfEnded();
    };
    check();
    // Type-ahead: a caller who already pressed a key skips the prompt.
    if (interruptible && this.digits.length > 0) return this.heard(text, { interrupted: true, interruptedBy: 'digit', playedMs: 0 });
    this.bargeInSpeech = undefined;
    options.onProgress?.();
    const tts = options.tts ?? this.tts;
    const audio = typeof what === 'string' ? await tts.synthesize(what, { voice: options.voice, language: options.language, signal }) : what;
    check();
    if (interruptible && this.digits.length > 0) return this.heard(text, { interrupted: true, interruptedBy: 'digit', playedMs: 0 });

    const lengthMs = durationMs(audio);
    const result = await new Promise<SayResult>((resolve, reject) => {
      const started = performance.now();
      const settle = (outcome: { result: SayResult } | { error: unknown }): void => {
        clearTimeout(timer);
        unwire();
        this.playingText = undefined;
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      const stop = (outcome: { result: SayResult } | { error: unknown }): void => {
        for (const listener of this.agentAudioListeners) listener({ kind: 'cleared' });
        settle(outcome);
      };
      const playedMs = (): number => Math.round(Math.min(lengthMs, performance.now() - started));
      const onDigit = (): void => {
        if (interruptible) stop({ result: { interrupted: true, interruptedBy: 'digit', playedMs: playedMs() } });
      };
      const onSpeech = (speech: PcmAudio): void => {
        this.bargeInSpeech = speech;
        stop({ result: { interrupted: true, interruptedBy: 'speech', playedMs: playedMs() } });
      };
      const onEnd = (reason: MediaSessionEndReason): void => stop({ error: new MediaSessionEndedError(reason) });
      const onAbort = (): void => stop({ error: signal?.reason });
      const timer = setTimeout(() => settle({ result: { interrupted: false, playedMs: Math.round(lengthMs) } }), lengthMs);
      const unwire = this.wire(options, { onDigit, ...(interruptible && options.bargeInOnSpeech ? { onSpeech } : {}), onEnd, onAbort });
      options.onPlaybackStart?.();
      for (const listener of this.agentAudioListeners) listener({ kind: 'audio', samples: audio.samples, sampleRate: audio.sampleRate, delayMs: 0 });
      this.playingText = text;
      for (const waiter of this.playingWaiters.splice(0)) waiter(text);
    });
    return this.heard(text, result);
  }

  /** Notes a prompt as played and returns its result. */
  private heard(text: string, result: SayResult): SayResult {
    this.played.push({ text, ...result });
    return result;
  }

  /** The final result of recognizing `audio` with `stt` (an empty one when the recognizer gave none). */
  private async recognize(stt: SpeechToText, audio: PcmAudio, options: ListenOptions): Promise<{ text: string; confidence?: number }> {
    const stream = stt.stream({
      sampleRate: audio.sampleRate,
      ...(options.language ? { language: options.language } : {}),
      ...(options.hints ? { hints: options.hints } : {}),
      ...(options.grammar ? { grammar: options.grammar } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    stream.push(audio.samples);
    stream.end();
    for await (const result of stream.results) if (result.isFinal) return result;
    options.signal?.throwIfAborted();
    return { text: '' };
  }

  /**
   * Waits for the caller until a hook settles, `timeoutMs` passes, the caller leaves, the session
   * ends or `signal` aborts.
   */
  private waitForCaller<T>(input: CallerInput, timeoutMs: number, options: { signal?: AbortSignal; onProgress?: () => void }, hooks: WaitHooks<T>): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.throwIfEnded();
    } catch (error) {
      return Promise.reject(error);
    }
    if (timeoutMs <= 0) return Promise.resolve(hooks.onTimeout());
    return new Promise<T>((resolve, reject) => {
      const settle = (outcome: { result: T } | { error: unknown }): void => {
        clearTimeout(timer);
        unwire();
        this.waitingFor = undefined;
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      const onDigit = (): void => {
        const outcome = hooks.onDigit?.();
        if (outcome) settle(outcome);
      };
      const onSpeech = (audio: PcmAudio): void => {
        const outcome = hooks.onSpeech?.(audio);
        if (outcome) settle(outcome);
      };
      const onEnd = (reason: MediaSessionEndReason): void => {
        if (reason === 'callerLeft' && hooks.onCallerLeft) settle({ result: hooks.onCallerLeft() });
        else settle({ error: new MediaSessionEndedError(reason) });
      };
      const onAbort = (): void => settle({ error: signal?.reason });
      const timer = setTimeout(() => settle({ result: hooks.onTimeout() }), timeoutMs);
      const unwire = this.wire(options, { onDigit, ...(hooks.onSpeech ? { onSpeech } : {}), onEnd, onAbort });
      this.nowWaiting(input);
    });
  }

  /** Marks the session as waiting for `input` and tells whoever waits for that. */
  private nowWaiting(input: CallerInput): void {
    this.waitingFor = input;
    for (const waiter of this.waitingWaiters.splice(0)) waiter(input);
  }

  /** Hears keys, speech (when `onSpeech` is given), the end and the abort, and reports progress; returns the unwiring. */
  private wire(
    options: { signal?: AbortSignal; onProgress?: () => void },
    handlers: { onDigit: () => void; onSpeech?: (audio: PcmAudio) => void; onEnd: (reason: MediaSessionEndReason) => void; onAbort: () => void },
  ): () => void {
    const { signal, onProgress } = options;
    const { onDigit, onSpeech, onEnd, onAbort } = handlers;
    const progress = onProgress ? setInterval(onProgress, PROGRESS_INTERVAL_MS) : undefined;
    this.digitListeners.add(onDigit);
    if (onSpeech) this.speechListeners.add(onSpeech);
    this.endListeners.add(onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    return () => {
      clearInterval(progress);
      this.digitListeners.delete(onDigit);
      if (onSpeech) this.speechListeners.delete(onSpeech);
      this.endListeners.delete(onEnd);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  private throwIfEnded(): void {
    if (this.ended) throw new MediaSessionEndedError('closed');
    if (this.callerLeft) throw new MediaSessionEndedError('callerLeft');
  }

  private notifyEnd(reason: MediaSessionEndReason): void {
    for (const listener of [...this.endListeners]) listener(reason);
  }
}
