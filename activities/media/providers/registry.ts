/**
 * Every speech provider the media worker knows, in one place: its id (what TTS_PROVIDERS /
 * STT_PROVIDERS, a trigger's or a node's `ttsProvider` / `sttProvider` name), the variable holding
 * its key, and how it is built from the environment. The worker (workers/voice-providers.ts) reads
 * it; the flow model's provider choices must list the same ids (registry.test.ts checks it).
 * The order is the order in which providers with a key join a call's chain as fallbacks.
 */
import type { Env } from '../../../lib/env.js';
import { EspeakTts } from '../espeak-tts.js';
import { PocketsphinxStt } from '../stt/pocketsphinx-stt.js';
import type { SpeechToText, TextToSpeech } from '../types.js';
import { DeepgramStt } from './deepgram-stt.js';
import { ElevenLabsTts } from './elevenlabs-tts.js';
import { OpenAiStt, OpenAiTts } from './openai.js';

/** The environment variables holding a provider's key. */
export type ProviderKeyVariable = 'ELEVENLABS_API_KEY' | 'OPENAI_API_KEY' | 'DEEPGRAM_API_KEY';

/** One provider: its id, what it needs, and how the worker builds it. */
export interface ProviderDefinition<P> {
  /** Stored in flows and trigger settings and named in TTS_PROVIDERS / STT_PROVIDERS: never rename. */
  readonly id: string;
  /** Its name in error messages. */
  readonly name: string;
  /** The variable with its key; none for offline providers (always usable). */
  readonly key?: ProviderKeyVariable;
  /** Builds it; throws a message naming the variable when its key is missing. */
  create(env: Env): P;
}

/** A provider that needs a key: `build` gets it, and building without it throws naming `key`. */
function keyed<const I extends string, P>(id: I, name: string, key: ProviderKeyVariable, build: (apiKey: string, env: Env) => P) {
  return {
    id,
    name,
    key,
    create(env: Env): P {
      const apiKey = env[key];
      if (!apiKey) throw new Error(`${name} is named as a speech provider but ${key} is not set`);
      return build(apiKey, env);
    },
  };
}

/** Text-to-speech providers; espeak-ng needs no account. */
export const TTS_PROVIDERS = [
  { id: 'espeak', name: 'espeak-ng', create: () => new EspeakTts() },
  keyed('elevenlabs', 'ElevenLabs', 'ELEVENLABS_API_KEY', (apiKey, env) =>
    new ElevenLabsTts({ apiKey, baseUrl: env.ELEVENLABS_BASE_URL, ...(env.ELEVENLABS_VOICE_ID ? { voiceId: env.ELEVENLABS_VOICE_ID } : {}) }),
  ),
  keyed('openai', 'OpenAI', 'OPENAI_API_KEY', (apiKey, env) => new OpenAiTts({ apiKey, baseUrl: env.OPENAI_BASE_URL })),
] as const satisfies readonly ProviderDefinition<TextToSpeech>[];

/** Speech-to-text providers; PocketSphinx runs locally and needs no account. */
export const STT_PROVIDERS = [
  {
    id: 'pocketsphinx',
    name: 'PocketSphinx',
    create: () => {
      const recognizer = new PocketsphinxStt();
      // Both kinds of decoder loaded before the first call (a missing install is reported by the first stream).
      void recognizer.warmUp().catch(() => undefined);
      return recognizer;
    },
  },
  keyed('deepgram', 'Deepgram', 'DEEPGRAM_API_KEY', (apiKey, env) => new DeepgramStt({ apiKey, baseUrl: env.DEEPGRAM_BASE_URL })),
  keyed('openai', 'OpenAI', 'OPENAI_API_KEY', (apiKey, env) => new OpenAiStt({ apiKey, baseUrl: env.OPENAI_BASE_URL })),
] as const satisfies readonly ProviderDefinition<SpeechToText>[];

export type TtsProviderId = (typeof TTS_PROVIDERS)[number]['id'];
export type SttProviderId = (typeof STT_PROVIDERS)[number]['id'];
export const TTS_PROVIDER_IDS: readonly TtsProviderId[] = TTS_PROVIDERS.map((provider) => provider.id);
export const STT_PROVIDER_IDS: readonly SttProviderId[] = STT_PROVIDERS.map((provider) => provider.id);

/** True when `definition` can be built from `env` (offline, or its key is set). */
export function hasKey(definition: Pick<ProviderDefinition<unknown>, 'id' | 'key'>, env: Env): boolean {
  return !definition.key || Boolean(env[definition.key]);
}
