/**
 * The shared `media` queue, as Temporal describes it: who polls it (a media worker recycles only
 * while another one does, workers/recycle.ts) and its backlog (calls waiting for a media worker, a
 * metric for autoscaling).
 */
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { MEDIA_ATTACH_TASK_QUEUE } from '../lib/contracts/temporal';
import type { TaskQueueStats } from '../lib/metrics';

/** A poller of the shared queue as Temporal reports it. */
export interface Poller {
  identity: string;
  /** When it last asked for a task (ms since the epoch). */
  lastAccessMs: number;
}

function describeMediaQueue(connection: NativeConnection, namespace: string, reportStats: boolean, taskQueue = MEDIA_ATTACH_TASK_QUEUE) {
  return connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ...(reportStats ? { reportStats } : {}),
  });
}

/** The shared `media` queue's statistics (calls waiting for a media worker). */
export async function mediaQueueStats(connection: NativeConnection, namespace: string): Promise<TaskQueueStats> {
  const { stats } = await describeMediaQueue(connection, namespace, true);
  const age = stats?.approximateBacklogAge;
  return {
    backlog: Number(stats?.approximateBacklogCount ?? 0),
    backlogAgeSeconds: age ? Number(age.seconds ?? 0) + (age.nanos ?? 0) / 1e9 : 0,
    addRate: stats?.tasksAddRate ?? 0,
    dispatchRate: stats?.tasksDispatchRate ?? 0,
  };
}

/** The pollers of the shared `media` queue (or of another pool's shared queue). */
export async function mediaQueuePollers(connection: NativeConnection, namespace: string, taskQueue?: string): Promise<Poller[]> {
  const { pollers } = await describeMediaQueue(connection, namespace, false, taskQueue);
  return (pollers ?? []).map((poller) => {
    const at = poller.lastAccessTime;
    return { identity: poller.identity ?? '', lastAccessMs: at ? Number(at.seconds ?? 0) * 1000 + Math.floor((at.nanos ?? 0) / 1e6) : 0 };
  });
}
