/**
 * The media worker's speech providers, chosen by the environment: TTS_PROVIDERS and STT_PROVIDERS
 * name providers in order of preference (e.g. `elevenlabs,espeak`); with more than one, failures
 * retry with backoff and then fall back to the next (activities/media/providers/fallback.ts).
 * The defaults work with no accounts: espeak-ng and PocketSphinx.
 */
import { EspeakTts } from '../activities/media/espeak-tts';
import { DeepgramStt, ElevenLabsTts, FallbackStt, FallbackTts, OpenAiStt, OpenAiTts, type ProviderEvent } from '../activities/media/providers/index';
import { PocketsphinxStt } from '../activities/media/stt/pocketsphinx-stt';
import type { SpeechToText, TextToSpeech } from '../activities/media/types';
import type { Env } from '../lib/env';
import type { Logger } from '../lib/logger';

export const TTS_PROVIDER_NAMES = ['espeak', 'elevenlabs', 'openai'] as const;
export const STT_PROVIDER_NAMES = ['pocketsphinx', 'deepgram', 'openai'] as const;

export interface VoiceProviders {
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Stops local recognizer processes. */
  close(): void;
}

function names<T extends string>(variable: string, raw: string, known: readonly T[]): T[] {
  const list = raw.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  if (list.length === 0) throw new Error(`${variable} names no provider; use one or more of ${known.join(', ')}`);
  for (const name of list) {
    if (!known.includes(name as T)) throw new Error(`${variable}: unknown provider '${name}'; use one or more of ${known.join(', ')}`);
  }
  return list as T[];
}

function requireKey(variable: string, value: string | undefined, provider: string): string {
  if (!value) throw new Error(`${provider} is named as a speech provider but ${variable} is not set`);
  return value;
}

/**
 * Builds the provider chains; a misconfiguration throws a message naming the variable.
 * `onProviderEvent` also receives every retry and fallback (the media worker counts them in metrics).
 */
export function createVoiceProviders(env: Env, logger: Logger, onProviderEvent?: (event: ProviderEvent) => void): VoiceProviders {
  const locals: Array<{ close(): void }> = [];
  const onEvent = (event: ProviderEvent) => {
    logger.warn({ provider: event }, `speech provider ${event.type === 'providerRetry' ? 'retry' : 'fallback'}`);
    onProviderEvent?.(event);
  };

  const ttsList = names('TTS_PROVIDERS', env.TTS_PROVIDERS, TTS_PROVIDER_NAMES).map((name): TextToSpeech => {
    switch (name) {
      case 'espeak':
        return new EspeakTts();
      case 'elevenlabs':
        return new ElevenLabsTts({
          apiKey: requireKey('ELEVENLABS_API_KEY', env.ELEVENLABS_API_KEY, 'ElevenLabs'),
          baseUrl: env.ELEVENLABS_BASE_URL,
          ...(env.ELEVENLABS_VOICE_ID ? { voiceId: env.ELEVENLABS_VOICE_ID } : {}),
        });
      case 'openai':
        return new OpenAiTts({ apiKey: requireKey('OPENAI_API_KEY', env.OPENAI_API_KEY, 'OpenAI'), baseUrl: env.OPENAI_BASE_URL });
    }
  });
  const sttList = names('STT_PROVIDERS', env.STT_PROVIDERS, STT_PROVIDER_NAMES).map((name): SpeechToText => {
    switch (name) {
      case 'pocketsphinx': {
        const recognizer = new PocketsphinxStt();
        locals.push(recognizer);
        return recognizer;
      }
      case 'deepgram':
        return new DeepgramStt({ apiKey: requireKey('DEEPGRAM_API_KEY', env.DEEPGRAM_API_KEY, 'Deepgram'), baseUrl: env.DEEPGRAM_BASE_URL });
      case 'openai':
        return new OpenAiStt({ apiKey: requireKey('OPENAI_API_KEY', env.OPENAI_API_KEY, 'OpenAI'), baseUrl: env.OPENAI_BASE_URL });
    }
  });
  return {
    tts: ttsList.length === 1 ? (ttsList[0] as TextToSpeech) : new FallbackTts(ttsList, { onEvent }),
    stt: sttList.length === 1 ? (sttList[0] as SpeechToText) : new FallbackStt(sttList, { onEvent }),
    close: () => locals.forEach((local) => local.close()),
  };
}
