/**
 * Prompt audio for the builder: `POST /api/prompts/preview` speaks a text with a voice and answers
 * with a WAV file. A media worker synthesizes it (through Temporal, on the shared media queue) into
 * a one-time blob (encrypted at rest), which is deleted once it is answered: preview text is whatever
 * a builder types, so it is neither cached nor kept. Published flows' static prompts are cached at publish.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { BlobStore } from '../../lib/blob-store';
import { FLOW_TASK_QUEUE, MEDIA_ATTACH_TASK_QUEUE } from '../../workflows/definitions';
import proto from '@temporalio/proto';
import { previewPrompt } from '../../workflows/prompts';
import { currentWorkspace } from '../auth/context';
import { HttpError, parse } from '../errors';
import { promptPreviewWorkflowId } from '../../lib/workflow-owners';

export const previewBody = z.object({
  text: z.string().trim().min(1, 'Give the text to speak').max(2_000, 'Previews take at most 2,000 characters'),
  voice: z.string().trim().min(1).max(100).optional(),
  language: z.string().trim().min(2).max(35).optional(),
});

const { TaskQueueType } = proto.temporal.api.enums.v1;

/**
 * Whether a worker polls `taskQueue` (Temporal remembers pollers for a few minutes). Without one a
 * preview would wait out its whole timeout, holding the request for a minute.
 */
async function polled(temporal: Client, taskQueue: string, type: proto.temporal.api.enums.v1.TaskQueueType): Promise<boolean> {
  const { pollers } = await temporal.workflowService.describeTaskQueue({ namespace: temporal.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: type });
  return (pollers?.length ?? 0) > 0;
}

export function promptRoutes(temporal: Client, blobs: BlobStore): Router {
  const router = Router();

  router.post('/prompts/preview', async (request, response) => {
    const body = parse(previewBody, request.body ?? {});
    const [flowWorker, mediaWorker] = await Promise.all([
      polled(temporal, FLOW_TASK_QUEUE, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
      polled(temporal, MEDIA_ATTACH_TASK_QUEUE, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
    ]);
    if (!flowWorker || !mediaWorker) {
      throw new HttpError(503, 'noMediaWorker', `No ${flowWorker ? 'media' : 'flow'} worker is running to speak the preview; start one (npm start starts both)`);
    }
    let result: Awaited<ReturnType<typeof previewPrompt>>;
    try {
      result = await temporal.workflow.execute(previewPrompt, {
        taskQueue: FLOW_TASK_QUEUE,
        workflowId: promptPreviewWorkflowId(currentWorkspace(), randomUUID()),
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
    const audio = await blobs.get(result.key).finally(() => blobs.delete(result.key));
    if (!audio) throw new HttpError(502, 'previewFailed', 'The preview audio is missing from storage');
    response.setHeader('content-type', 'audio/wav');
    response.setHeader('cache-control', 'private, max-age=3600');
    response.setHeader('x-duration-ms', String(result.durationMs));
    response.send(Buffer.from(audio));
  });

  return router;
}
