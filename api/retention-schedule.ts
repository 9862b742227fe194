/** The Temporal Schedule that enforces retention policies, created once (idempotently) at API start. */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { FLOW_TASK_QUEUE, RETENTION_SCHEDULE_ID } from '../lib/contracts/temporal';
import { enforceRetention } from '../workflows/retention';

/** Creates the retention schedule unless it exists; true when this call created it. */
export async function ensureRetentionSchedule(client: Client, intervalMinutes = 60): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: RETENTION_SCHEDULE_ID,
      spec: { intervals: [{ every: `${intervalMinutes} minutes` }] },
      action: { type: 'startWorkflow', workflowType: enforceRetention, taskQueue: FLOW_TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    return true;
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return false;
    throw error;
  }
}
