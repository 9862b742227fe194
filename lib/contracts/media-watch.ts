/**
 * The media worker's watch stream (workers/media-watch.ts serves it, the flow worker's
 * `watchMediaWorker` activity reads it): `GET /watch?callId=…` answers newline-delimited JSON for
 * as long as the process lives. The first line names the worker; then a line every
 * MEDIA_WATCH_INTERVAL_MS says how long the call's current step has played audio. When the
 * process dies (kill -9, a crash, an OOM kill) its kernel closes the connection at once, so the
 * call can move to another worker without waiting for a heartbeat timeout. A stopped (SIGSTOP)
 * process keeps its connections open: heartbeats notice that.
 */
export const MEDIA_WATCH_PATH = '/watch';
export const MEDIA_WATCH_INTERVAL_MS = 250;

/** One line of the stream: the first has `workerId`, the others `audioMs` while audio plays. */
export interface MediaWatchLine {
  workerId?: string;
  audioMs?: number;
}

/**
 * A media worker's Temporal identity: its worker id and its watch address, so that a flow worker
 * that reads the pollers of the shared `media` queue can ask each of them whether it is alive and
 * has room (`/readyz` beside `/watch`) before it hands a call over (`pickMediaWorker`).
 */
export function mediaWorkerIdentity(workerId: string, watchUrl: string): string {
  return `${workerId} ${watchUrl}`;
}

/** The worker id and watch address in a media worker's identity; undefined for any other identity. */
export function parseMediaWorkerIdentity(identity: string): { workerId: string; watchUrl: string } | undefined {
  const match = /^(\S+) (https?:\/\/\S+)$/.exec(identity);
  if (!match) return undefined;
  return { workerId: match[1] as string, watchUrl: match[2] as string };
}
