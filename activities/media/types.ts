import type { PcmAudio } from '../../lib/contracts/media.js';

export type { PcmAudio };

/** Participants whose identity starts with this are agents; every other participant is the caller. */
export const AGENT_IDENTITY_PREFIX = 'agent-';
/** The identity a media worker joins call rooms as. */
export const agentIdentity = (workerId: string): string => `${AGENT_IDENTITY_PREFIX}${workerId}`;

/**
 * Seams of the media side: what a media worker needs to speak and listen in one call's room.
 * Hot-path audio is plain PCM; everything here is provider-neutral.
 */

/** Settings of speech barge-in; every field has a default. */
export interface BargeInOptions {
  /** Speech must last this long to stop a prompt (shorter sounds never do). */
  minSpeechMs: number;
  /** Speech probability at which a window counts as speech. */
  activationThreshold: number;
}

/** Text-to-speech provider. `label` names it in events and logs. */
export interface TextToSpeech {
  readonly label: string;
  /** Synthesizes the whole utterance. Rejects with a clear error when the provider fails. */
  synthesize(text: string, options?: { voice?: string; language?: string; signal?: AbortSignal }): Promise<PcmAudio>;
  /**
   * Streaming companion (optional): the utterance's audio in chunks as the provider produces them,
   * all at one sample rate, so playback can start at the first chunk. Rejects (while iterating) like
   * `synthesize`.
   */
  stream?(text: string, options?: { voice?: string; language?: string; signal?: AbortSignal }): AsyncIterable<PcmAudio>;
}

export interface SayOptions {
  /** When true, a DTMF key from the caller stops playback (barge-in); the key stays buffered. */
  interruptible: boolean;
  /**
   * With `interruptible`: caller speech stops playback too (needs the session's VAD). Use it when a
   * `listen()` follows: it receives the speech that stopped the prompt, from its first syllable.
   */
  bargeInOnSpeech?: boolean;
  voice?: string;
  language?: string;
  /** Synthesizes this prompt instead of the session's `JoinOptions.tts` (a call's or node's provider chain). */
  tts?: TextToSpeech;
  signal?: AbortSignal;
  /** Called at least every ~500 ms while audio plays (activities heartbeat from it). */
  onProgress?: () => void;
  /** Called as the first audio frame is handed to the track (for latency figures). */
  onPlaybackStart?: () => void;
}

export interface SayResult {
  interrupted: boolean;
  /** What stopped the prompt, when `interrupted`. */
  interruptedBy?: 'digit' | 'speech';
  /** Audio actually played, in milliseconds. */
  playedMs: number;
}

/** One call's live media in its LiveKit room, owned by exactly one media worker. */
export interface MediaSession {
  readonly roomName: string;
  /** True while a non-agent participant (the caller) is in the room. */
  readonly callerPresent: boolean;
  /**
   * True while the caller is present and may be spoken to: a SIP caller once its
   * `sip.callStatus` attribute is `active` (answered). Sessions without it use `callerPresent`.
   */
  readonly callerReady?: boolean;
  /**
   * Resolves true once the agent's voice reaches someone in the room (the caller has subscribed to
   * its track; audio played before that is lost), false when that has not happened within
   * `timeoutMs` or `signal` aborts first. Sessions without it are heard at once.
   */
  waitUntilHeard?(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  say(text: string, options: SayOptions): Promise<SayResult>;
  /** Plays recorded audio (any rate, mono), like `say` (same queue, same barge-in). */
  playAudio(audio: PcmAudio, options: SayOptions): Promise<SayResult>;
  /** Identity of the caller participant (for a SIP caller, `sip_<number>`), while one is present. */
  readonly callerIdentity: string | undefined;
  /**
   * Next DTMF digit ('0'-'9', '*', '#'), taking type-ahead digits first; null when none arrives
   * within timeoutMs. A digit is returned exactly once.
   */
  nextDigit(timeoutMs: number, options?: { signal?: AbortSignal; onProgress?: () => void }): Promise<string | null>;
  /** Drops buffered digits. */
  clearDigits(): void;
  /** Fires once when the caller leaves the room (hung up). */
  onCallerLeft(listener: () => void): void;
  /**
   * Fires once when this agent lost the room while the room goes on: removed by the server (the
   * call was handed to another media worker), replaced by a second join of its identity, or cut
   * off. Not a hang-up; the session has ended.
   */
  onRemoved?(listener: () => void): void;
  /** Ends the call: removes the caller participant(s) from the room, then leaves. */
  hangup(): Promise<void>;
  /** Leaves the room without ending the call (worker shutdown, hand-over). */
  close(): Promise<void>;
  /**
   * Waits for the caller to speak and recognizes what they said: voice activity detection finds the
   * utterance, the speech-to-text provider transcribes it. A DTMF key (buffered or new) ends it at
   * once. Rejects like `nextDigit` when the caller leaves or the session closes, and when the session
   * has no recognizer.
   */
  listen(options: ListenOptions): Promise<ListenResult>;
  /** Records the caller until silence, a finish key, the time limit or a hang-up. */
  recordCaller(options: RecordCallerOptions): Promise<RecordCallerResult>;
  /**
   * Subscribes to the caller's audio (16 kHz mono, ~10 ms chunks); returns the unsubscribe function.
   * The audio is only pulled from the room while someone is subscribed.
   */
  onCallerAudio(listener: CallerAudioListener): () => void;
  /** Subscribes to the audio the call plays to the caller (prompts, tones); returns the unsubscribe function. */
  onAgentAudio(listener: AgentAudioListener): () => void;
}

/**
 * Receives what the caller is played: `audio` frames with the time until they are heard
 * (`delayMs`, the playout queue ahead of them), and `cleared` when queued audio was dropped unheard
 * (a barge-in).
 */
export type AgentAudioListener = (event: { kind: 'audio'; samples: Int16Array; sampleRate: number; delayMs: number } | { kind: 'cleared' }) => void;

export interface JoinOptions {
  /** ws:// URL of the LiveKit server. */
  url: string;
  apiKey: string;
  apiSecret: string;
  roomName: string;
  /** Identity of the agent participant, e.g. `agent-<workerId>`. */
  identity: string;
  tts: TextToSpeech;
  /** Recognizer used by `listen()`; without it `listen()` rejects. */
  stt?: SpeechToText;
  /** Voice activity detector (16 kHz) used by `listen()` and `recordCaller()`; without it they reject. */
  vad?: VoiceActivityDetector;
  /**
   * In-band DTMF detection on the caller's audio; keys it finds join the RFC 2833 ones. While set,
   * the caller's audio is pulled for the whole call.
   */
  createInbandDtmfDetector?: (sampleRate: number) => InbandDtmfDetector;
  /** Speech barge-in settings (see `SayOptions.bargeInOnSpeech`). */
  bargeIn?: Partial<BargeInOptions>;
  /**
   * Called when a prompt's audio reached the track late: the source's queue had run dry for
   * `gapMs` before the next frame came (the caller hears a gap). Feeds the playback gap metric.
   */
  onPlaybackGap?: (gapMs: number) => void;
}

// --- listening: speech recognition, voice activity, the caller's audio ---

/** What a {@link SpeechToText} provider can do; callers check it instead of the provider's name. */
export interface SpeechToTextCapabilities {
  /** Results come while audio is still being pushed (not only after `end()`). */
  interimResults: boolean;
  /** `grammar` restricts recognition to the given phrases. */
  grammar: boolean;
  /** `hints` bias recognition towards the given words. */
  hints: boolean;
  /** Languages accepted in `language` (BCP 47, lower case), e.g. `['en-us']`. */
  languages: string[];
}

/** Options of one {@link SpeechToText.stream} (one utterance). */
export interface SpeechToTextStreamOptions {
  /** Rate of the pushed audio; every provider accepts 16 000. */
  sampleRate: number;
  /** BCP 47, e.g. `en-US`; the provider's default when omitted. */
  language?: string;
  /** Words or phrases likely to be said (names, products); ignored without `capabilities.hints`. */
  hints?: string[];
  /**
   * The only phrases to recognize (a menu's choices). With a grammar, a result is one of them or
   * empty; without one, recognition is free speech.
   */
  grammar?: string[];
  /** Aborting stops recognition; `results` then ends without a final result. */
  signal?: AbortSignal;
}

/** One recognition result. Times are ms from the first pushed sample. */
export interface SpeechToTextResult {
  /** Lower-case words; empty when nothing was recognized. */
  text: string;
  /** False for interim results that later results replace. */
  isFinal: boolean;
  /** 0–1, the provider's estimate that `text` is what was said. */
  confidence?: number;
  startMs?: number;
  endMs?: number;
}

/** One utterance being recognized: push audio, call `end()`, read `results` to the final one. */
export interface SpeechToTextStream {
  /** Mono 16-bit PCM at the stream's `sampleRate`; any length. Ignored after `end()`. */
  push(samples: Int16Array): void;
  /** No more audio: the provider finishes and yields the final result. */
  end(): void;
  /**
   * Interim results (when supported), then exactly one final result, then the end. Errors of the
   * provider reject the iteration.
   */
  readonly results: AsyncIterable<SpeechToTextResult>;
  /**
   * Optional: a quick recognition of the audio pushed so far, without ending the stream (with a
   * grammar: one of its phrases or empty, with a confidence). Null once the stream has ended.
   * Answers arrive only while `results` is being read. `quick`: free speech may answer with what
   * the recognizer has already decoded instead of decoding the audio again (faster, rougher).
   */
  peek?(options?: { quick?: boolean }): Promise<SpeechToTextResult | null>;
}

/** Speech-to-text provider. `label` names it in events and logs. */
export interface SpeechToText {
  readonly label: string;
  readonly capabilities: SpeechToTextCapabilities;
  stream(options: SpeechToTextStreamOptions): SpeechToTextStream;
}

/**
 * Voice activity event. `atMs` is when the detector decided (ms of audio pushed so far);
 * `startMs` / `endMs` are where the speech itself starts and ends in the pushed audio.
 */
export type VoiceActivityEvent =
  | { type: 'speechStart'; atMs: number; startMs: number }
  | { type: 'speechEnd'; atMs: number; startMs: number; endMs: number }
  /** With `pauseMs`: speech has paused that long (it may still go on); once per pause. */
  | { type: 'pause'; atMs: number; endMs: number }
  /** Speech went on after a `pause` event. */
  | { type: 'resume'; atMs: number };

/** One run of voice activity detection over a continuous stream of audio. */
export interface VoiceActivityStream {
  /**
   * Mono 16-bit PCM at the detector's `sampleRate`; any length. Resolves with the events this audio
   * caused. Calls must not overlap: await each before the next.
   */
  push(samples: Int16Array): Promise<VoiceActivityEvent[]>;
  /** Frees the stream's state. */
  close(): void;
}

/** Options of one {@link VoiceActivityDetector.stream}; unset fields take the detector's defaults. */
export interface VoiceActivityStreamOptions {
  /** Silence that ends speech. */
  endSilenceMs?: number;
  /** Report a `pause` event after this much silence within speech (shorter than `endSilenceMs`). */
  pauseMs?: number;
  /** Speech shorter than this (a cough, a click) is not speech. */
  minSpeechMs?: number;
  /** Speech probability at which a window counts as speech (detector-specific, 0–1). */
  activationThreshold?: number;
}

/** Voice activity detector: tells where speech starts and ends. */
export interface VoiceActivityDetector {
  readonly label: string;
  /** Rate the pushed audio must have. */
  readonly sampleRate: number;
  stream(options?: VoiceActivityStreamOptions): VoiceActivityStream;
}

/**
 * Detector of DTMF tones in the caller's audio (phones that send tones in-band instead of
 * RFC 2833 events). Pushed 16 kHz mono PCM, it returns the keys whose tones ended in it.
 */
export interface InbandDtmfDetector {
  push(samples: Int16Array): Array<{ digit: string }>;
}

/** Options of {@link MediaSession.listen}. */
export interface ListenOptions {
  /** Give up when no speech has started this long after the call (result: transcript null). */
  noSpeechTimeoutMs: number;
  /** Silence after speech that ends the utterance. */
  endSilenceMs: number;
  /** Longest utterance, from its start; recognition then ends with what was said so far. */
  maxDurationMs: number;
  /**
   * End the turn before `endSilenceMs` when, after a short pause, a quick recognition of what was
   * said so far (the recognizer's `peek`) has at least `minConfidence` and is a whole phrase of
   * `grammar` (after `pauseMs`) or, without a grammar, sounds like a finished sentence (after
   * `SPECULATIVE_FINAL_PAUSE_MS`; stt/turn-end.ts). With a recognizer that cannot peek, the turn
   * ends as usual.
   */
  earlyEnd?: { pauseMs: number; minConfidence: number };
  /**
   * Free speech with `earlyEnd`: called when, at an earlier pause (`TENTATIVE_PAUSE_MS`), what was
   * said sounds like a finished sentence, with the words the turn will end with unless the caller
   * speaks again before the turn's pause; called with `null` when they do. An AI agent starts its
   * answer there, so the model's first words are on their way before the turn has ended.
   */
  onTentative?: (transcript: string | null) => void;
  /** Words likely to be said (passed to the recognizer). */
  hints?: string[];
  /** Phrases a menu accepts; the transcript is then one of them (or null). */
  grammar?: string[];
  language?: string;
  /** Recognizes with this instead of the session's `JoinOptions.stt` (a call's or node's provider chain). */
  stt?: SpeechToText;
  signal?: AbortSignal;
  /** Called at least every ~500 ms while listening (activities heartbeat from it). */
  onProgress?: () => void;
}

/** What {@link MediaSession.listen} heard. Times are ms since `listen()` was called. */
export interface ListenResult {
  /** What the caller said; null when nothing was recognized (no input, or a key ended it). */
  transcript: string | null;
  /** 0–1; 0 when `transcript` is null. */
  confidence: number;
  speechStartMs?: number;
  speechEndMs?: number;
  /** The DTMF key that ended listening (taken from the digit buffer, like `nextDigit`). */
  digit?: string;
}

/** Options of {@link MediaSession.recordCaller}. */
export interface RecordCallerOptions {
  /** Longest recording. */
  maxDurationMs: number;
  /** Silence that ends the recording, after speech or from the start if the caller never speaks. */
  silenceTimeoutMs: number;
  /** A DTMF key that ends the recording (e.g. '#'); not part of the audio, and consumed. */
  finishKey?: string;
  signal?: AbortSignal;
  /** Called at least every ~500 ms while recording. */
  onProgress?: () => void;
}

/** A recording of the caller. */
export interface RecordCallerResult {
  /** 16 kHz mono; trailing silence after the last speech is trimmed when silence ended it. */
  audio: PcmAudio;
  durationMs: number;
  endedBy: 'silence' | 'key' | 'maxDuration' | 'hangup';
}

/** Receives the caller's audio (16 kHz mono) while subscribed; see {@link MediaSession.onCallerAudio}. */
export type CallerAudioListener = (samples: Int16Array) => void;
