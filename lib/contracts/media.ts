/**
 * Types the media worker shares with lib (WAV codec, metrics): defined here, below both, so lib
 * never imports activities/. activities/media re-exports them where its code expects them.
 */

/** Mono 16-bit PCM audio. */
export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** Which seam a provider serves: speech synthesis or recognition. */
export type ProviderKind = 'tts' | 'stt';

/** What a fallback provider's `onEvent` receives: worth a call event, never carries user content. */
export type ProviderEvent =
  | { type: 'providerRetry'; kind: ProviderKind; from: string; attempt: number; delayMs: number; reason: string }
  /** `to` is absent when no provider is left. */
  | { type: 'providerFallback'; kind: ProviderKind; from: string; to?: string; reason: string };
