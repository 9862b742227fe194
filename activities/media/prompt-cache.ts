/**
 * Prompt cache: static prompts (no variables, so no caller's data) are synthesized when a flow is
 * published, per voice, and stored in the blob store by a hash of what makes the audio (provider,
 * voice, language, text). Every media worker shares the store and keeps recent prompts in memory, so a
 * cached prompt starts playing without waiting for synthesis. Prompts with variables are never
 * stored: they go straight to the provider.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../../lib/blob-store';
import { decodeWav, encodeWav } from '../../lib/wav';
import type { PcmAudio, TextToSpeech } from './types';

/** Options of a synthesis, as `TextToSpeech.synthesize` takes them. */
export interface PromptVoice {
  voice?: string;
  language?: string;
}

/** Blob key of a cached prompt. */
export function promptKey(provider: string, text: string, { voice, language }: PromptVoice = {}): string {
  const hash = createHash('sha256').update(JSON.stringify([provider, voice ?? '', language ?? '', text])).digest('hex');
  return `prompts/${hash}.wav`;
}

export interface PromptCacheOptions {
  /** Memory kept for recent prompts, in bytes (default 64 MiB). */
  memoryBytes?: number;
}

/** A {@link TextToSpeech} that answers from the prompt cache when it can, else asks `inner`. */
export class PromptCache implements TextToSpeech {
  readonly label: string;
  /** Prompts answered from the cache, and those synthesized during a call. */
  readonly stats = { hits: 0, misses: 0 };
  private readonly memory: LRUCache<string, PcmAudio>;

  constructor(
    private readonly inner: TextToSpeech,
    private readonly blobs: BlobStore,
    options: PromptCacheOptions = {},
    shared?: { memory: LRUCache<string, PcmAudio>; stats: PromptCache['stats'] },
  ) {
    this.label = inner.label;
    this.memory =
      shared?.memory ??
      new LRUCache<string, PcmAudio>({
        maxSize: options.memoryBytes ?? 64 * 1024 * 1024,
        sizeCalculation: (audio) => Math.max(1, audio.samples.byteLength),
      });
    if (shared) this.stats = shared.stats;
    // Streams only when the provider does: a cached prompt is one chunk, a miss streams from the provider.
    if (inner.stream) this.stream = (text, options) => this.streamPrompt(text, options);
  }

  /** Present when the provider streams; see {@link TextToSpeech.stream}. */
  readonly stream?: (text: string, options?: PromptVoice & { signal?: AbortSignal }) => AsyncIterable<PcmAudio>;

  private async *streamPrompt(text: string, options: PromptVoice & { signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    const cached = await this.lookup(text, options);
    if (cached) {
      this.stats.hits++;
      yield cached;
      return;
    }
    this.stats.misses++;
    yield* (this.inner.stream as NonNullable<TextToSpeech['stream']>)(text, options);
  }

  /**
   * The same cache (memory, store, counters) in front of another provider chain, e.g. one call's
   * chosen provider: prompts are keyed by that chain's label, so each voice has its own audio.
   */
  via(inner: TextToSpeech): PromptCache {
    if (inner === this.inner) return this;
    return new PromptCache(inner, this.blobs, {}, { memory: this.memory, stats: this.stats });
  }

  /** The cached audio of a prompt, or undefined. */
  async lookup(text: string, voice: PromptVoice = {}): Promise<PcmAudio | undefined> {
    const key = promptKey(this.inner.label, text, voice);
    const remembered = this.memory.get(key);
    if (remembered) return remembered;
    const stored = await this.blobs.get(key);
    if (!stored) return undefined;
    const audio = decodeWav(stored);
    this.memory.set(key, audio);
    return audio;
  }

  /** Cached audio when there is some; otherwise the provider's, which is not stored. */
  async synthesize(text: string, options: PromptVoice & { signal?: AbortSignal } = {}): Promise<PcmAudio> {
    const cached = await this.lookup(text, options);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.misses++;
    return this.inner.synthesize(text, options);
  }

  /** The provider's audio, neither looked up nor stored (for text that must not be cached). */
  uncached(text: string, options: PromptVoice & { signal?: AbortSignal } = {}): Promise<PcmAudio> {
    return this.inner.synthesize(text, options);
  }

  /**
   * Makes sure a static prompt is cached: `synthesized` when it had to be synthesized now,
   * `refused` when `keep` said no to the audio (a fallback provider spoke it), which is not stored.
   */
  async warm(text: string, voice: PromptVoice = {}, signal?: AbortSignal, keep: () => boolean = () => true): Promise<'cached' | 'synthesized' | 'refused'> {
    if (await this.lookup(text, voice)) return 'cached';
    const audio = await this.inner.synthesize(text, { ...voice, signal });
    if (!keep()) return 'refused';
    const key = promptKey(this.inner.label, text, voice);
    await this.blobs.put(key, encodeWav(audio));
    this.memory.set(key, audio);
    return 'synthesized';
  }

  /** The blob key a prompt is (or would be) cached under. */
  keyOf(text: string, voice: PromptVoice = {}): string {
    return promptKey(this.inner.label, text, voice);
  }
}
