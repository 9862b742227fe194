/**
 * Prompt activities, run by any media worker from the shared queue: synthesize a published flow's
 * static prompts into the shared prompt cache, and synthesize a preview for the builder.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BlobStore } from '../../lib/blob-store';
import type { Logger } from '../../lib/logger';
import { encodeWav } from '../../lib/wav';
import type { PromptCache } from './prompt-cache';

export interface PromptText {
  text: string;
  voice?: string;
  language?: string;
  /**
   * The provider a number's calls prefer (its `ttsProvider` setting): the prompt is cached as that
   * provider chain speaks it, under the chain's label, as its calls look it up. Unset, the worker's default.
   */
  ttsProvider?: string;
}
export interface WarmPromptsInput {
  prompts: PromptText[];
}
export interface WarmPromptsResult {
  /** Synthesized now. */
  synthesized: number;
  /** Already in the cache. */
  cached: number;
}
export interface PreviewPromptResult {
  /**
   * Blob key of the audio (a WAV file in the shared store, `previews/<uuid>.wav`, encrypted at rest),
   * for one reading: the API deletes it once it has answered.
   */
  key: string;
  durationMs: number;
}

export interface PromptActivities {
  warmPrompts(input: WarmPromptsInput): Promise<WarmPromptsResult>;
  previewPrompt(input: PromptText): Promise<PreviewPromptResult>;
}

export interface PromptActivityDeps {
  cache: PromptCache;
  blobs: BlobStore;
  logger: Logger;
  /** The cache in front of the chain a call preferring `ttsProvider` speaks with (default: `cache`). */
  cacheFor?: (ttsProvider: string) => PromptCache;
}

export function createPromptActivities(deps: PromptActivityDeps): PromptActivities {
  return {
    async warmPrompts({ prompts }) {
      const result: WarmPromptsResult = { synthesized: 0, cached: 0 };
      const signal = Context.current().cancellationSignal;
      const chains = new Map<string, PromptCache>();
      const cacheFor = (provider: string | undefined): PromptCache => {
        if (!provider || !deps.cacheFor) return deps.cache;
        const chain = chains.get(provider) ?? deps.cacheFor(provider);
        chains.set(provider, chain);
        return chain;
      };
      for (const [index, { text, voice, language, ttsProvider }] of prompts.entries()) {
        Context.current().heartbeat(index);
        const cache = cacheFor(ttsProvider);
        const made = await cache.warm(text, { ...(voice ? { voice } : {}), ...(language ? { language } : {}) }, signal);
        if (made) result.synthesized++;
        else result.cached++;
      }
      deps.logger.info(result, 'prompts cached');
      return result;
    },

    async previewPrompt({ text, voice, language }) {
      if (!text.trim()) throw ApplicationFailure.nonRetryable('There is no text to preview', 'EmptyPrompt');
      // A preview may be any text a builder types (a name, a number): it never enters the shared
      // prompt cache (plain, kept, and a way to tell what other flows say), only a one-time blob.
      const audio = await deps.cache.uncached(text, { voice, language, signal: Context.current().cancellationSignal });
      const key = `previews/${randomUUID()}.wav`;
      await deps.blobs.put(key, encodeWav(audio));
      return { key, durationMs: Math.round((audio.samples.length / audio.sampleRate) * 1000) };
    },
  };
}
