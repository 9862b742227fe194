/**
 * Prompt audio for the builder: `POST /api/prompts/preview` speaks a text with a voice and answers
 * with a WAV file. A media worker synthesizes it (through Temporal, on the shared media queue) into
 * the prompt cache, so a previewed static prompt is already cached for calls.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { BlobStore } from '../../lib/blob-store';
import { FLOW_TASK_QUEUE } from '../../workflows/definitions';
import type { previewPrompt } from '../../workflows/prompts';
import { HttpError, parse } from '../errors';

export const previewBody = z.object({
  text: z.string().trim().min(1, 'Give the text to speak').max(2_000, 'Previews take at most 2,000 characters'),
  voice: z.string().trim().min(1).max(100).optional(),
  language: z.string().trim().min(2).max(35).optional(),
});

export function promptRoutes(temporal: Client, blobs: BlobStore): Router {
  const router = Router();

  router.post('/prompts/preview', async (request, response) => {
    const body = parse(previewBody, request.body ?? {});
    let result: Awaited<ReturnType<typeof previewPrompt>>;
    try {
      result = await temporal.workflow.execute<typeof previewPrompt>('previewPrompt', {
        taskQueue: FLOW_TASK_QUEUE,
        workflowId: `prompt-preview-${randomUUID()}`,
        args: [body],
        workflowExecutionTimeout: '60 seconds',
      });
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const cause = (error.cause?.cause ?? error.cause) as Error | undefined;
        if (cause && /schedule|timeout/i.test(`${cause.name} ${cause.message}`)) {
          throw new HttpError(503, 'noMediaWorker', 'No media worker picked up the preview in time; is a media worker running?');
        }
        throw new HttpError(502, 'previewFailed', `The voice could not speak this text: ${cause?.message ?? error.message}`);
      }
      throw error;
    }
    const audio = await blobs.get(result.key);
    if (!audio) throw new HttpError(502, 'previewFailed', 'The preview audio is missing from storage');
    response.setHeader('content-type', 'audio/wav');
    response.setHeader('cache-control', 'private, max-age=3600');
    response.setHeader('x-duration-ms', String(result.durationMs));
    response.send(Buffer.from(audio));
  });

  return router;
}
