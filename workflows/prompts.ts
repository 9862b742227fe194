/**
 * Short workflows that hand speech work to any media worker (the shared queue): caching a published
 * flow's static prompts, and a builder's preview. They keep the API free of speech engines.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PreviewPromptResult, PromptActivities, PromptText, WarmPromptsInput, WarmPromptsResult } from '../activities/media/prompt-activities';
import { MEDIA_ATTACH_TASK_QUEUE } from './definitions';

const { warmPrompts: warm } = proxyActivities<PromptActivities>({
  taskQueue: MEDIA_ATTACH_TASK_QUEUE,
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { maximumAttempts: 5 },
});

const { previewPrompt: preview } = proxyActivities<PromptActivities>({
  taskQueue: MEDIA_ATTACH_TASK_QUEUE,
  // A builder waits for it: fail soon when no media worker runs.
  scheduleToStartTimeout: '10 seconds',
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2 },
});

/** Synthesizes a published flow version's static prompts into the prompt cache. */
export async function warmPrompts(input: WarmPromptsInput): Promise<WarmPromptsResult> {
  return warm(input);
}

/** Synthesizes one prompt for the builder's preview; the audio is in the blob store under `key`. */
export async function previewPrompt(input: PromptText): Promise<PreviewPromptResult> {
  return preview(input);
}
