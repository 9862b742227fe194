/**
 * Static prompts are synthesized before callers need them (`warmPrompts`, workflows/prompts.ts, on
 * any media worker), so no caller waits for synthesis (0.1 s on an idle host with espeak-ng, over a
 * second on a busy one or with a cloud voice):
 * - when a version is published: its prompts in the flow's own voices;
 * - for each phone number: the version it runs as that number speaks it (its own voice, language
 *   and provider, where a step names none) and the number's own lines (the recording notice, the
 *   recovery line), when the number is saved, when a version of its flow is published, and when an
 *   API starts (which also covers versions never published through the API, like the sample flow
 *   a fresh install seeds, and caches that were lost).
 * Each distinct set of prompts is one workflow (`warm-prompts-<versionId>` for the flow's own voices,
 * `warm-prompts-<versionId>-<hash>` for a number's), started once unless it failed.
 */
import { createHash } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { staticPrompts, type RunnableFlow } from '@switchboard/flow-model';
import { desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Logger } from '../lib/logger';
import type { Database } from '../db/client';
import { flowVersions, phoneTriggers } from '../db/schema';
import type { PromptText } from '../activities/media/prompt-activities';
import { FLOW_TASK_QUEUE } from '../workflows/definitions';
import { warmPrompts } from '../workflows/prompts';
import { effectiveTriggerSettings } from './start-call';

/** How a number's calls speak (its trigger settings); a step's own voice or language wins. */
export interface PromptProfile {
  voice?: string;
  language?: string;
  ttsProvider?: string;
}

/** The number's own static lines and speech settings; undefined when it speaks as the flow does and has no lines. */
export interface NumberPrompts {
  profile: PromptProfile;
  /** Said with the number's voice: the recording notice, the recovery line. */
  lines: string[];
}

/**
 * Workflow id of a version's prompt caching (lib/workflow-owners.ts reads the version from it):
 * the flow's own voices, or, with `prompts`, the set a number speaks (by their hash).
 */
export function warmPromptsWorkflowId(versionId: string, prompts?: PromptText[]): string {
  if (!prompts) return `warm-prompts-${versionId}`;
  return `warm-prompts-${versionId}-${createHash('sha256').update(JSON.stringify(prompts)).digest('hex').slice(0, 12)}`;
}

/** A version's static prompts, as the flow speaks them or as a number does (its voice where a step names none, then its own lines). */
export function versionPrompts(flow: RunnableFlow, number?: NumberPrompts): PromptText[] {
  const profile = number?.profile ?? {};
  const said = (text: string, voice?: string, language?: string): PromptText => {
    const v = voice ?? profile.voice;
    const l = language ?? profile.language;
    return { text, ...(v ? { voice: v } : {}), ...(l ? { language: l } : {}), ...(profile.ttsProvider ? { ttsProvider: profile.ttsProvider } : {}) };
  };
  const prompts = staticPrompts(flow).map(({ text, voice, language }) => said(text, voice, language));
  for (const line of number?.lines ?? []) prompts.push(said(line));
  // Each distinct prompt once.
  return [...new Map(prompts.map((prompt) => [JSON.stringify(prompt), prompt])).values()];
}

/** What of a trigger's settings changes what its calls say or how; undefined when nothing does. */
export function numberPrompts(settings: unknown): NumberPrompts | undefined {
  const effective = effectiveTriggerSettings(settings);
  const profile: PromptProfile = {
    ...(effective.voice ? { voice: effective.voice } : {}),
    ...(effective.language ? { language: effective.language } : {}),
    ...(effective.ttsProvider ? { ttsProvider: effective.ttsProvider } : {}),
  };
  const lines = [effective.recordCalls ? effective.recordingConsentPrompt : undefined, effective.recoveryPrompt].filter((line): line is string => Boolean(line?.trim()));
  return Object.keys(profile).length > 0 || lines.length > 0 ? { profile, lines } : undefined;
}

/**
 * Starts caching a version's static prompts, as the flow speaks them or (`number`) as a number
 * does. `once`: not if an earlier run for the same prompts succeeded (a failed one runs again);
 * otherwise always (publishing). A number's set always runs once. Resolves false when there was
 * nothing to start.
 */
export async function startWarmPrompts(temporal: Client, versionId: string, flow: RunnableFlow, options: { once?: boolean; number?: NumberPrompts } = {}): Promise<boolean> {
  const prompts = versionPrompts(flow, options.number);
  if (prompts.length === 0) return false;
  const once = options.once === true || options.number !== undefined;
  try {
    await temporal.workflow.start(warmPrompts, {
      taskQueue: FLOW_TASK_QUEUE,
      workflowId: warmPromptsWorkflowId(versionId, options.number ? prompts : undefined),
      args: [{ prompts }],
      ...(once ? { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const } : {}),
    });
    return true;
  } catch (error) {
    if (once && error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

/** Which phone numbers' prompts to cache: all, one (saved), or those running a flow (published). */
export type NumbersToWarm = { all: true } | { triggerId: string } | { flowId: string };

/**
 * Caches the prompts of the versions phone numbers run now (the latest of each flow a trigger
 * names): each version in the flow's own voices, and as each number with settings of its own
 * speaks it. Starts only what never succeeded; returns how many were started and how many were
 * done already (or running).
 */
export async function warmLivePrompts(db: Database, temporal: Client, which: NumbersToWarm = { all: true }): Promise<{ started: number; skipped: number }> {
  const where: SQL | undefined = 'triggerId' in which ? eq(phoneTriggers.id, which.triggerId) : 'flowId' in which ? eq(phoneTriggers.flowId, which.flowId) : undefined;
  const triggers = await db.select({ flowId: phoneTriggers.flowId, settings: phoneTriggers.settings }).from(phoneTriggers).where(where);
  if (triggers.length === 0) return { started: 0, skipped: 0 };
  const live = await db
    .selectDistinctOn([flowVersions.flowId], { id: flowVersions.id, flowId: flowVersions.flowId, graph: flowVersions.graph })
    .from(flowVersions)
    .where(inArray(flowVersions.flowId, [...new Set(triggers.map((trigger) => trigger.flowId))]))
    .orderBy(flowVersions.flowId, desc(flowVersions.version));
  const versionOf = new Map(live.map((version) => [version.flowId, version]));
  // Each distinct set once: the flow's own voices per version, then each number's own.
  const sets = new Map<string, { versionId: string; flow: RunnableFlow; number?: NumberPrompts }>();
  for (const trigger of triggers) {
    const version = versionOf.get(trigger.flowId);
    if (!version) continue;
    sets.set(warmPromptsWorkflowId(version.id), { versionId: version.id, flow: version.graph });
    const number = numberPrompts(trigger.settings);
    if (number) sets.set(warmPromptsWorkflowId(version.id, versionPrompts(version.graph, number)), { versionId: version.id, flow: version.graph, number });
  }
  let started = 0;
  for (const set of sets.values()) {
    if (await startWarmPrompts(temporal, set.versionId, set.flow, { once: true, ...(set.number ? { number: set.number } : {}) })) started++;
  }
  return { started, skipped: sets.size - started };
}

/** {@link warmLivePrompts} in the background, logged; a failure only costs callers the wait. */
export function warmLivePromptsInBackground(db: Database, temporal: Client, logger: Logger, which: NumbersToWarm = { all: true }): void {
  warmLivePrompts(db, temporal, which).then(
    ({ started, skipped }) => {
      if (started > 0) logger.info({ started, skipped }, 'caching the prompts phone numbers play');
    },
    (error: Error) => logger.warn({ err: error.message }, 'could not start caching the prompts phone numbers play; their calls synthesize them instead'),
  );
}
