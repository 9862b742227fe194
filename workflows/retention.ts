/**
 * enforceRetention: started by the retention schedule (api/retention-schedule.ts). One
 * activity on the `privacy` queue deletes what each workspace's retention policy says has expired.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ApplyRetentionResult, PrivacyActivities } from '../activities/privacy/activities';
import { PRIVACY_TASK_QUEUE } from './definitions';

const { applyRetention } = proxyActivities<PrivacyActivities>({
  taskQueue: PRIVACY_TASK_QUEUE,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

export async function enforceRetention(): Promise<ApplyRetentionResult> {
  return applyRetention({ nowMs: workflowInfo().startTime.getTime() });
}
