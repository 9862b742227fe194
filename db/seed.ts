import { count, eq } from 'drizzle-orm';
import { salesSupportSample, validateFlow } from '@switchboard/flow-model';
import type { Database } from './client';
import { DEFAULT_WORKSPACE_ID, flows, flowVersions, phoneTriggers } from './schema';

/** The number the sample flow answers on a fresh install (a fictional 555-01xx number). */
export const SAMPLE_NUMBER = '+14155550100';

/**
 * First run only: when the default workspace has no flows, adds the sample "Sales and support"
 * flow, publishes it and attaches it to SAMPLE_NUMBER, so a new user can place a call at once.
 */
export async function seedSampleFlow(db: Database): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(flows).where(eq(flows.workspaceId, DEFAULT_WORKSPACE_ID));
  if ((existing?.n ?? 0) > 0) return false;
  const validation = validateFlow(salesSupportSample.graph);
  if (!validation.ok) throw new Error('the sample flow is invalid');
  await db.transaction(async (tx) => {
    const [flow] = await tx
      .insert(flows)
      .values({ workspaceId: DEFAULT_WORKSPACE_ID, name: salesSupportSample.name, draftGraph: salesSupportSample.graph, draftLayout: salesSupportSample.layout })
      .returning();
    if (!flow) throw new Error('could not create the sample flow');
    await tx.insert(flowVersions).values({
      workspaceId: DEFAULT_WORKSPACE_ID,
      flowId: flow.id,
      version: 1,
      graph: validation.flow,
      layout: salesSupportSample.layout,
      note: 'Sample flow',
    });
    await tx.insert(phoneTriggers).values({ workspaceId: DEFAULT_WORKSPACE_ID, phoneNumber: SAMPLE_NUMBER, flowId: flow.id }).onConflictDoNothing();
  });
  return true;
}
