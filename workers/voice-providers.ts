/**
 * The media worker's speech providers, chosen by the environment: TTS_PROVIDERS and STT_PROVIDERS
 * name providers in order of preference (e.g. `elevenlabs,espeak`); with more than one, failures
 * retry with backoff and then fall back to the next (activities/media/providers/fallback.ts).
 * The defaults work with no accounts: espeak-ng and PocketSphinx. Which providers exist, and what each
 * needs, is activities/media/providers/registry.ts.
 */
import { FallbackStt, FallbackTts, type FallbackOptions, type ProviderEvent } from '../activities/media/providers/index';
import {
  hasKey,
  STT_PROVIDER_IDS,
  STT_PROVIDERS,
  TTS_PROVIDER_IDS,
  TTS_PROVIDERS,
  type ProviderDefinition,
  type SttProviderId,
  type TtsProviderId,
} from '../activities/media/providers/registry';
import type { SpeechToText, TextToSpeech } from '../activities/media/types';
import type { Env } from '../lib/env';
import type { Logger } from '../lib/logger';

/** Options of a chain built for one call (see {@link VoiceCatalog}). */
export interface ChainOptions {
  /** Receives the chain's retries and fallbacks (besides the worker-wide log and metrics). */
  onEvent?: (event: ProviderEvent) => void;
  /** Passed to the fallback wrapper; tests shorten the backoff. */
  fallback?: Partial<Omit<FallbackOptions, 'onEvent'>>;
}

/**
 * The providers this worker can use and its default order. A call (its trigger) or a node may
 * prefer one provider: it goes first, the worker's configured providers follow as fallbacks.
 */
export interface VoiceCatalog {
  /** Names of the TTS providers usable here (configured, with their keys), default order first. */
  readonly ttsNames: readonly TtsProviderId[];
  readonly sttNames: readonly SttProviderId[];
  /**
   * A TTS chain: `preferred` (when usable here) then the worker's TTS_PROVIDERS order. A preferred
   * provider this worker has no key for is reported through `onEvent` as a fallback (reason
   * `not configured`) and skipped.
   */
  tts(preferred?: string, options?: ChainOptions): TextToSpeech;
  stt(preferred?: string, options?: ChainOptions): SpeechToText;
}

export interface VoiceProviders {
  /** The worker's default chains (TTS_PROVIDERS / STT_PROVIDERS). */
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Per-call chains with a preferred provider first. */
  catalog: VoiceCatalog;
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

/**
 * Builds the provider chains; a misconfiguration throws a message naming the variable.
 * `onProviderEvent` also receives every retry and fallback (the media worker counts them in metrics).
 * Besides the providers named in TTS_PROVIDERS / STT_PROVIDERS, every cloud provider whose key is
 * set (and the offline ones) can be chosen per trigger or node.
 */
export function createVoiceProviders(env: Env, logger: Logger, onProviderEvent?: (event: ProviderEvent) => void): VoiceProviders {
  const locals: Array<{ close(): void }> = [];
  const workerEvent = (event: ProviderEvent) => {
    logger.warn({ provider: event }, `speech provider ${event.type === 'providerRetry' ? 'retry' : 'fallback'}`);
    onProviderEvent?.(event);
  };

  const ttsOrder = names('TTS_PROVIDERS', env.TTS_PROVIDERS, TTS_PROVIDER_IDS);
  const sttOrder = names('STT_PROVIDERS', env.STT_PROVIDERS, STT_PROVIDER_IDS);
  /** Builds a provider from its registry entry; local ones (a recognizer process) are closed with the worker. */
  function make<P>(definitions: readonly ProviderDefinition<P>[], id: string): P {
    const provider = (definitions.find((definition) => definition.id === id) as ProviderDefinition<P>).create(env);
    const closable = provider as Partial<{ close(): void }>;
    if (typeof closable.close === 'function') locals.push(closable as { close(): void });
    return provider;
  }
  // Named providers must be usable (a missing key is an error); others join when their key is set.
  const ttsNames = [...ttsOrder, ...TTS_PROVIDERS.filter((p) => !ttsOrder.includes(p.id) && hasKey(p, env)).map((p) => p.id)];
  const sttNames = [...sttOrder, ...STT_PROVIDERS.filter((p) => !sttOrder.includes(p.id) && hasKey(p, env)).map((p) => p.id)];
  const makeTts = (name: TtsProviderId): TextToSpeech => make<TextToSpeech>(TTS_PROVIDERS, name);
  const makeStt = (name: SttProviderId): SpeechToText => make<SpeechToText>(STT_PROVIDERS, name);
  const ttsByName = new Map(ttsNames.map((name) => [name, makeTts(name)] as const));
  const sttByName = new Map(sttNames.map((name) => [name, makeStt(name)] as const));

  /** `preferred` first, then the configured order; one provider needs no wrapper. */
  function chain<N extends string, P extends { label: string }>(
    kind: 'tts' | 'stt',
    byName: Map<N, P>,
    order: readonly N[],
    preferred: string | undefined,
    options: ChainOptions,
    wrap: (providers: P[], onEvent: (event: ProviderEvent) => void) => P,
    defaultChain: P,
  ): P {
    const onEvent = (event: ProviderEvent) => {
      workerEvent(event);
      options.onEvent?.(event);
    };
    const wanted = preferred?.trim().toLowerCase();
    const first = wanted ? byName.get(wanted as N) : undefined;
    if (wanted && !first) {
      const to = byName.get(order[0] as N);
      onEvent({ type: 'providerFallback', kind, from: wanted, ...(to ? { to: to.label } : {}), reason: 'not configured' });
    }
    if (!first && !options.onEvent && !options.fallback) return defaultChain;
    const providers = [...(first ? [first] : []), ...order.filter((name) => name !== wanted).map((name) => byName.get(name) as P)];
    return providers.length === 1 ? (providers[0] as P) : wrap(providers, onEvent);
  }

  const tts = ttsOrder.length === 1 ? (ttsByName.get(ttsOrder[0] as TtsProviderId) as TextToSpeech) : new FallbackTts(ttsOrder.map((n) => ttsByName.get(n) as TextToSpeech), { onEvent: workerEvent });
  const stt = sttOrder.length === 1 ? (sttByName.get(sttOrder[0] as SttProviderId) as SpeechToText) : new FallbackStt(sttOrder.map((n) => sttByName.get(n) as SpeechToText), { onEvent: workerEvent });
  const catalog: VoiceCatalog = {
    ttsNames,
    sttNames,
    tts: (preferred, options = {}) =>
      chain('tts', ttsByName, ttsOrder, preferred, options, (providers, onEvent) => new FallbackTts(providers, { ...options.fallback, sticky: true, voiceForFirstOnly: Boolean(preferred), onEvent }), tts),
    stt: (preferred, options = {}) =>
      chain('stt', sttByName, sttOrder, preferred, options, (providers, onEvent) => new FallbackStt(providers, { ...options.fallback, sticky: true, onEvent }), stt),
  };
  return { tts, stt, catalog, close: () => locals.forEach((local) => local.close()) };
}

/** A catalog of fixed providers (tests, and a worker given its providers directly): no choice. */
export function fixedVoiceCatalog(tts: TextToSpeech, stt: SpeechToText): VoiceCatalog {
  return { ttsNames: [], sttNames: [], tts: () => tts, stt: () => stt };
}
