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
