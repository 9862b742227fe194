/**
 * Seams of the media side: what a media worker needs to speak and listen in one call's room.
 * Hot-path audio is plain PCM; everything here is provider-neutral.
 */

/** Mono 16-bit PCM audio. */
export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** Text-to-speech provider. `label` names it in events and logs. */
export interface TextToSpeech {
  readonly label: string;
  /** Synthesizes the whole utterance. Rejects with a clear error when the provider fails. */
  synthesize(text: string, options?: { voice?: string; language?: string; signal?: AbortSignal }): Promise<PcmAudio>;
}

export interface SayOptions {
  /** When true, a DTMF key from the caller stops playback (barge-in); the key stays buffered. */
  interruptible: boolean;
  voice?: string;
  language?: string;
  signal?: AbortSignal;
  /** Called at least every ~500 ms while audio plays (activities heartbeat from it). */
  onProgress?: () => void;
}

export interface SayResult {
  interrupted: boolean;
  /** Audio actually played, in milliseconds. */
  playedMs: number;
}

/** One call's live media in its LiveKit room, owned by exactly one media worker. */
export interface MediaSession {
  readonly roomName: string;
  /** True while a non-agent participant (the caller) is in the room. */
  readonly callerPresent: boolean;
  say(text: string, options: SayOptions): Promise<SayResult>;
  /**
   * Next DTMF digit ('0'-'9', '*', '#'), taking type-ahead digits first; null when none arrives
   * within timeoutMs. A digit is returned exactly once.
   */
  nextDigit(timeoutMs: number, options?: { signal?: AbortSignal; onProgress?: () => void }): Promise<string | null>;
  /** Drops buffered digits. */
  clearDigits(): void;
  /** Fires once when the caller leaves the room (hung up). */
  onCallerLeft(listener: () => void): void;
  /** Ends the call: removes the caller participant(s) from the room, then leaves. */
  hangup(): Promise<void>;
  /** Leaves the room without ending the call (worker shutdown, hand-over). */
  close(): Promise<void>;
}

export interface JoinOptions {
  /** ws:// URL of the LiveKit server. */
  url: string;
  apiKey: string;
  apiSecret: string;
  roomName: string;
  /** Identity of the agent participant, e.g. `agent-<workerId>`. */
  identity: string;
  tts: TextToSpeech;
}
