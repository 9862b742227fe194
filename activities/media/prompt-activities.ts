/**
 * Prompt activities, run by any media worker from the shared queue: synthesize a published flow's
 * static prompts into the shared prompt cache, and synthesize a preview for the builder.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../../lib/logger';
import type { PromptCache } from './prompt-cache';

export interface PromptText {
  text: string;
  voice?: string;
  language?: string;
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
  /** Blob key of the audio (a WAV file in the shared store). */
  key: string;
  durationMs: number;
}

export interface PromptActivities {
  warmPrompts(input: WarmPromptsInput): Promise<WarmPromptsResult>;
  previewPrompt(input: PromptText): Promise<PreviewPromptResult>;
}

export function createPromptActivities(deps: { cache: PromptCache; logger: Logger }): PromptActivities {
  return {
    async warmPrompts({ prompts }) {
      const result: WarmPromptsResult = { synthesized: 0, cached: 0 };
      const signal = Context.current().cancellationSignal;
      for (const [index, { text, voice, language }] of prompts.entries()) {
        Context.current().heartbeat(index);
        const made = await deps.cache.warm(text, { voice, language }, signal);
        if (made) result.synthesized++;
        else result.cached++;
      }
      deps.logger.info(result, 'prompts cached');
      return result;
    },

    async previewPrompt({ text, voice, language }) {
      if (!text.trim()) throw ApplicationFailure.nonRetryable('There is no text to preview', 'EmptyPrompt');
      await deps.cache.warm(text, { voice, language }, Context.current().cancellationSignal);
      const audio = await deps.cache.lookup(text, { voice, language });
      if (!audio) throw ApplicationFailure.nonRetryable('The preview could not be stored', 'PreviewNotStored');
      return { key: deps.cache.keyOf(text, { voice, language }), durationMs: Math.round((audio.samples.length / audio.sampleRate) * 1000) };
    },
  };
}
