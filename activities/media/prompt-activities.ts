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
import type { ProviderEvent } from '../../lib/contracts/media';

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
  /**
   * Not cached: the preferred provider failed and another spoke them, whose audio is not stored in
   * its place (calls try the preferred provider again). Absent when none.
   */
  notCached?: number;
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
  /**
   * The cache in front of a new provider chain as a call preferring `ttsProvider` (unset: the
   * worker's default order) speaks with it, reporting its fallbacks (default: `cache`, no reports).
   */
  warmChain?: (ttsProvider: string | undefined, onEvent: (event: ProviderEvent) => void) => PromptCache;
}

export function createPromptActivities(deps: PromptActivityDeps): PromptActivities {
  return {
    async warmPrompts({ prompts }) {
      const result: WarmPromptsResult = { synthesized: 0, cached: 0 };
      const signal = Context.current().cancellationSignal;
      // One chain per preferred provider. Once it falls back (its first provider failed), what the
      // next provider says is not stored under its name, and its remaining prompts are left to calls.
      const chains = new Map<string, { cache: PromptCache; fellBack: boolean }>();
      const chainFor = (provider: string | undefined) => {
        const name = provider ?? '';
        let chain = chains.get(name);
        if (!chain) {
          const created = { cache: deps.cache, fellBack: false };
          if (deps.warmChain) created.cache = deps.warmChain(provider, (event) => (created.fellBack ||= event.type === 'providerFallback'));
          chains.set(name, (chain = created));
        }
        return chain;
      };
      let notCached = 0;
      for (const [index, { text, voice, language, ttsProvider }] of prompts.entries()) {
        Context.current().heartbeat(index);
        const chain = chainFor(ttsProvider);
        if (chain.fellBack) {
          notCached++;
          continue;
        }
        const outcome = await chain.cache
          .warm(text, { ...(voice ? { voice } : {}), ...(language ? { language } : {}) }, signal, () => !chain.fellBack)
          .catch((error: unknown) => {
            // The provider that took over could not say it either (another provider's voice name):
            // nothing to cache; calls meet the same error, and the preferred provider again.
            if (chain.fellBack) return 'refused' as const;
            throw error;
          });
        if (outcome === 'synthesized') result.synthesized++;
        else if (outcome === 'cached') result.cached++;
        else notCached++;
      }
      if (notCached > 0) {
        result.notCached = notCached;
        deps.logger.warn({ notCached }, 'a preferred speech provider failed: those prompts are not cached, calls synthesize them');
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
