/**
 * Recycling a media worker: each LiveKit room session leaves about 0.4 MB behind in rtc-node's
 * native side (measured by `npm run bench -- room-churn`; nothing in our code holds it), so a
 * worker that has taken MEDIA_RECYCLE_AFTER_CALLS calls drains (no new calls, its calls finish) and
 * exits, and its supervisor (`npm start`, compose, Kubernetes) starts a fresh one. It does so only
 * while another media worker is taking calls, so a lone worker never leaves callers waiting.
 */
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { MEDIA_ATTACH_TASK_QUEUE } from '../lib/contracts/temporal';

/** A poller of the shared queue as Temporal reports it. */
export interface Poller {
  identity: string;
  /** When it last asked for a task (ms since the epoch). */
  lastAccessMs: number;
}

/**
 * An idle worker's poll waits up to a minute on the server before it polls again, so a live worker
 * was seen within this; a worker not seen for longer is gone (or full, or draining).
 */
export const POLLER_FRESH_MS = 70_000;

/** Whether a worker other than `ownIdentity` has polled the shared queue recently. */
export function anotherWorkerTakesCalls(pollers: Poller[], ownIdentity: string, nowMs: number): boolean {
  return pollers.some((poller) => poller.identity !== ownIdentity && nowMs - poller.lastAccessMs <= POLLER_FRESH_MS);
}

/** This worker's threshold: the setting plus up to 20 %, so workers started together do not all drain at once. */
export function recycleThreshold(afterCalls: number, random = Math.random()): number {
  return afterCalls <= 0 ? Infinity : Math.round(afterCalls * (1 + 0.2 * random));
}

/** The pollers of the shared `media` queue, from Temporal. */
export async function mediaQueuePollers(connection: NativeConnection, namespace: string): Promise<Poller[]> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: MEDIA_ATTACH_TASK_QUEUE },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (response.pollers ?? []).map((poller) => {
    const at = poller.lastAccessTime;
    return { identity: poller.identity ?? '', lastAccessMs: at ? Number(at.seconds ?? 0) * 1000 + Math.floor((at.nanos ?? 0) / 1e6) : 0 };
  });
}
