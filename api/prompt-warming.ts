/**
 * Static prompts are synthesized before callers need them (`warmPrompts`, workflows/prompts.ts, on
 * any media worker): when a version is published, and when an API starts, for every version a phone
 * number runs now. The second covers versions that were never published through the API (the
 * sample flow a fresh install seeds) and caches that were lost; without it every prompt of such a
 * call is synthesized while the caller waits (0.1 s on an idle host, over a second on a busy one).
 */
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { staticPrompts, type RunnableFlow } from '@switchboard/flow-model';
import { desc, inArray } from 'drizzle-orm';
import type { Logger } from '../lib/logger';
import type { Database } from '../db/client';
import { flowVersions, phoneTriggers } from '../db/schema';
import { FLOW_TASK_QUEUE } from '../workflows/definitions';
import { warmPrompts } from '../workflows/prompts';

/** Workflow id of a version's prompt caching: one per version (lib/workflow-owners.ts reads it). */
export const warmPromptsWorkflowId = (versionId: string) => `warm-prompts-${versionId}`;

/**
 * Starts caching a version's static prompts. `once`: not if an earlier run for this version
 * succeeded (a failed one is run again); otherwise always (publishing).
 * Resolves false when there was nothing to start.
 */
export async function startWarmPrompts(temporal: Client, versionId: string, flow: RunnableFlow, options: { once?: boolean } = {}): Promise<boolean> {
  const prompts = staticPrompts(flow).map(({ text, voice, language }) => ({ text, ...(voice ? { voice } : {}), ...(language ? { language } : {}) }));
  if (prompts.length === 0) return false;
  try {
    await temporal.workflow.start(warmPrompts, {
      taskQueue: FLOW_TASK_QUEUE,
      workflowId: warmPromptsWorkflowId(versionId),
      args: [{ prompts }],
      ...(options.once ? { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const } : {}),
    });
    return true;
  } catch (error) {
    if (options.once && error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

/**
 * The versions phone numbers run now (the latest of each flow a trigger names), their prompt
 * caching started where it never succeeded. Returns how many were started and how many were done
 * already (or running).
 */
export async function warmLivePrompts(db: Database, temporal: Client): Promise<{ started: number; skipped: number }> {
  const live = await db
    .selectDistinctOn([flowVersions.flowId], { id: flowVersions.id, graph: flowVersions.graph })
    .from(flowVersions)
    .where(inArray(flowVersions.flowId, db.selectDistinct({ flowId: phoneTriggers.flowId }).from(phoneTriggers)))
    .orderBy(flowVersions.flowId, desc(flowVersions.version));
  let started = 0;
  for (const version of live) {
    if (await startWarmPrompts(temporal, version.id, version.graph, { once: true })) started++;
  }
  return { started, skipped: live.length - started };
}

/** {@link warmLivePrompts} at an API's start, logged; a failure only costs callers the wait. */
export function warmLivePromptsInBackground(db: Database, temporal: Client, logger: Logger): void {
  warmLivePrompts(db, temporal).then(
    ({ started, skipped }) => {
      if (started > 0) logger.info({ started, skipped }, 'caching the prompts of published flows that phone numbers run');
    },
    (error: Error) => logger.warn({ err: error.message }, 'could not start caching the prompts of live flows; their calls synthesize them instead'),
  );
}
