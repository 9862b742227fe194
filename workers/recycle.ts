/**
 * Recycling a media worker: each LiveKit room session leaves about 0.4 MB behind in rtc-node's
 * native side (measured by `npm run bench -- room-churn`; nothing in our code holds it), so a
 * worker that has taken MEDIA_RECYCLE_AFTER_CALLS calls drains (no new calls, its calls finish) and
 * exits, and its supervisor (`npm start`, compose, Kubernetes) starts a fresh one. It does so only
 * while another media worker is taking calls, so a lone worker never leaves callers waiting.
 */
import type { Poller } from './media-queue';

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
