/**
 * Retention: deletes each workspace's calls older than its `retentionDays` setting, with their
 * events, recordings (audio too) and Temporal executions. Runs on the `privacy` queue, served by
 * the API process (it has the database, the blob store and a Temporal client).
 */
import { Context } from '@temporalio/activity';
import { isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { workspaces } from '../../db/schema';
import { audit } from '../../lib/audit';
import { eraseCalls, expiredCalls, type ErasureDeps, type ErasureReport } from '../../lib/privacy/erasure';

export interface ApplyRetentionInput {
  /** The moment "now" is, in ms since the epoch (the schedule passes the workflow's start time). */
  nowMs: number;
}

export interface ApplyRetentionResult {
  workspaces: Array<{ workspaceId: string; retentionDays: number; cutoff: string } & ErasureReport>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createPrivacyActivities(deps: ErasureDeps & { db: Database }) {
  return {
    async applyRetention({ nowMs }: ApplyRetentionInput): Promise<ApplyRetentionResult> {
      const policies = await deps.db
        .select({ id: workspaces.id, retentionDays: sql<number>`(${workspaces.settings}->>'retentionDays')::int` })
        .from(workspaces)
        .where(isNotNull(sql`${workspaces.settings}->>'retentionDays'`));
      const results: ApplyRetentionResult['workspaces'] = [];
      for (const policy of policies) {
        const cutoff = new Date(nowMs - policy.retentionDays * DAY_MS);
        const total: ErasureReport = { calls: 0, events: 0, recordings: 0, telnyxEvents: 0, workflowsTerminated: 0, workflowsDeleted: 0 };
        for (;;) {
          // A long run shows it is alive between batches (the workflow sets a heartbeat timeout).
          Context.current().heartbeat({ workspaceId: policy.id, deleted: total.calls });
          const batch = await expiredCalls(deps.db, policy.id, cutoff, 200);
          if (batch.length === 0) break;
          const report = await eraseCalls(deps, policy.id, batch);
          for (const key of Object.keys(total) as Array<keyof ErasureReport>) total[key] += report[key];
          if (report.calls === 0) break;
        }
        if (total.calls > 0) {
          await audit(deps.db, {
            workspaceId: policy.id,
            actor: 'system',
            action: 'retention.applied',
            details: { retentionDays: policy.retentionDays, cutoff: cutoff.toISOString(), ...total },
          });
        }
        results.push({ workspaceId: policy.id, retentionDays: policy.retentionDays, cutoff: cutoff.toISOString(), ...total });
      }
      return { workspaces: results };
    },
  };
}

export type PrivacyActivities = ReturnType<typeof createPrivacyActivities>;
