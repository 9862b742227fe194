/**
 * Which workspace owns a Temporal workflow, by its id: one Temporal namespace serves every workspace,
 * so anything that shows or deletes a workflow's data (the codec endpoint that decrypts its payloads,
 * erasure of a caller's executions) first asks whose it is. Calls and test calls (`call-…`) by their
 * calls row, prompt caching of a published version (`warm-prompts-<versionId>[-<hash>]`) by the
 * version's flow, prompt previews (`prompt-preview-<workspaceId>-<uuid>`) by the id itself. Installation-wide workflows (retention)
 * and unknown ids belong to no workspace.
 */
import { inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { calls, flowVersions } from '../db/schema';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// A version's prompts in the flow's voices, or as a number speaks them (`-<hash>`, api/prompt-warming.ts).
const WARM_PROMPTS = new RegExp(`^warm-prompts-(${UUID})(?:-[0-9a-f]{12})?$`);
const PROMPT_PREVIEW = new RegExp(`^prompt-preview-(${UUID})-${UUID}$`);

/** The workflow id of a prompt preview in a workspace (its owner is read back from it). */
export const promptPreviewWorkflowId = (workspaceId: string, id: string): string => `prompt-preview-${workspaceId}-${id}`;

/** The owning workspace of each workflow id that has one. */
export async function workflowOwners(db: Database, workflowIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(workflowIds)];
  const owners = new Map<string, string>();
  // A version's own prompt caching and each number's: several ids per version.
  const versionOf = new Map<string, string[]>();
  for (const id of ids) {
    const preview = PROMPT_PREVIEW.exec(id);
    if (preview) owners.set(id, preview[1]!);
    const warm = WARM_PROMPTS.exec(id);
    if (warm) versionOf.set(warm[1]!, [...(versionOf.get(warm[1]!) ?? []), id]);
  }
  const callIds = ids.filter((id) => id.startsWith('call-'));
  if (callIds.length > 0) {
    for (const row of await db.select({ workflowId: calls.workflowId, workspaceId: calls.workspaceId }).from(calls).where(inArray(calls.workflowId, callIds))) {
      owners.set(row.workflowId, row.workspaceId);
    }
  }
  if (versionOf.size > 0) {
    for (const row of await db.select({ id: flowVersions.id, workspaceId: flowVersions.workspaceId }).from(flowVersions).where(inArray(flowVersions.id, [...versionOf.keys()]))) {
      for (const id of versionOf.get(row.id) ?? []) owners.set(id, row.workspaceId);
    }
  }
  return owners;
}
