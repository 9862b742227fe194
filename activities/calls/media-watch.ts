/**
 * `watchMediaWorker`: runs on a flow worker for as long as a media worker holds a call, reading
 * that worker's watch stream (lib/contracts/media-watch.ts). It returns only when the worker's
 * process is certainly gone: the stream dropped and the port refuses connections, or another
 * process (another worker id) answers there now. Anything less certain (a timeout, an unreachable
 * host, a stopped process that accepts but never answers) keeps it watching: the call's heartbeat
 * timeouts decide those. The workflow cancels it when the call moves or ends.
 */
import { request, type IncomingMessage } from 'node:http';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { MediaWatchLine } from '../../lib/contracts/media-watch';

export interface WatchMediaWorkerInput {
  watchUrl: string;
  workerId: string;
  callId: string;
}

export interface WatchMediaWorkerResult {
  /** `refused`: the port refuses connections; `replaced`: another worker answers there. */
  gone: 'refused' | 'replaced';
  /** How long the call's current step had played audio, as of the worker's last line. */
  heardMs?: number;
  /** How long after the stream dropped the worker was known to be gone. */
  confirmedMs: number;
}

/** What one connection to the watch stream came to. */
type Outcome =
  | { kind: 'refused' }
  | { kind: 'replaced' }
  /** The stream answered as the right worker, then ended or broke. */
  | { kind: 'dropped'; at: number }
  /** No answer in time, or an error that says nothing certain. */
  | { kind: 'unknown'; reason: string }
  | { kind: 'cancelled' };

export interface MediaWatchOptions {
  /** How long a connection may take to answer before it counts as unknown. */
  answerTimeoutMs?: number;
  /** Pause before trying again after an unknown outcome. */
  retryDelayMs?: number;
  /** Activity heartbeat interval (how soon a cancellation reaches the watch). */
  heartbeatIntervalMs?: number;
}

const MAX_LINE = 4096;
/** After a drop, how long and how often to look again while the answer is unclear (ECONNRESET). */
const CONFIRM_WINDOW_MS = 5000;
const CONFIRM_RETRY_MS = 25;

/** One connection: reads lines until the stream ends, the worker turns out to be another, or `signal` aborts. */
function watchOnce(url: URL, input: WatchMediaWorkerInput, signal: AbortSignal, answerTimeoutMs: number, onLine: (line: MediaWatchLine) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let identified = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(answerTimer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const onAbort = () => done({ kind: 'cancelled' });
    const req = request(url, { agent: false, headers: { accept: 'application/x-ndjson' } });
    const answerTimer = setTimeout(() => done({ kind: 'unknown', reason: `no answer within ${answerTimeoutMs} ms` }), answerTimeoutMs);
    signal.addEventListener('abort', onAbort);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && !identified) done({ kind: 'refused' });
      else if (identified) done({ kind: 'dropped', at: performance.now() });
      else done({ kind: 'unknown', reason: error.code ?? error.message });
    });
    req.on('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        // Something else listens there now (not a media worker's watch): the worker is gone.
        response.resume();
        done(response.statusCode === 404 ? { kind: 'replaced' } : { kind: 'unknown', reason: `status ${response.statusCode}` });
        return;
      }
      response.setEncoding('utf8');
      let buffered = '';
      response.on('data', (chunk: string) => {
        buffered += chunk;
        if (buffered.length > MAX_LINE && !buffered.includes('\n')) return done({ kind: 'unknown', reason: 'line too long' });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const text = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          let line: MediaWatchLine;
          try {
            line = JSON.parse(text) as MediaWatchLine;
          } catch {
            return done({ kind: 'unknown', reason: 'not a watch stream' });
          }
          if (!identified) {
            if (line.workerId !== input.workerId) return done({ kind: 'replaced' });
            identified = true;
            clearTimeout(answerTimer);
          }
          onLine(line);
        }
      });
      // However the stream stops (end, close, error), once the worker had named itself it dropped.
      const stopped = () => done(identified ? { kind: 'dropped', at: performance.now() } : { kind: 'unknown', reason: 'the stream stopped before naming the worker' });
      for (const event of ['end', 'close', 'error']) response.on(event, stopped);
    });
    req.end();
  });
}

export function createMediaWatchActivities(options: MediaWatchOptions = {}) {
  const answerTimeoutMs = options.answerTimeoutMs ?? 2000;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  return {
    async watchMediaWorker(input: WatchMediaWorkerInput): Promise<WatchMediaWorkerResult> {
      let url: URL;
      try {
        url = new URL(`${input.watchUrl}?callId=${encodeURIComponent(input.callId)}`);
      } catch {
        throw ApplicationFailure.nonRetryable('The media worker’s watch address is not a URL', 'BadWatchUrl');
      }
      if (url.protocol !== 'http:') throw ApplicationFailure.nonRetryable('The media worker’s watch address is not http', 'BadWatchUrl');
      const context = Context.current();
      const signal = context.cancellationSignal;
      const beating = setInterval(() => context.heartbeat(), heartbeatIntervalMs);
      context.heartbeat();
      let heardMs: number | undefined;
      /** When the stream dropped, while that is not yet explained (the worker's death, if it is confirmed). */
      let droppedAt: number | undefined;
      let lastDrop = -Infinity;
      // Only an address that has answered as this worker can say it is gone: one that refuses or
      // names another worker from the start is misconfigured (MEDIA_WORKER_ADVERTISE_HOST), and
      // taking that for a death would move every call away from a live worker.
      let identified = false;
      let warned = false;
      try {
        for (;;) {
          const outcome = await watchOnce(url, input, signal, answerTimeoutMs, (line) => {
            identified = true;
            droppedAt = undefined;
            heardMs = line.audioMs;
          });
          if (outcome.kind === 'cancelled') throw signal.reason;
          if (!identified && !warned && outcome.kind !== 'dropped') {
            warned = true;
            context.log.warn('The media worker’s watch address does not answer as that worker; its calls are watched by heartbeats only', {
              workerId: input.workerId,
              outcome: outcome.kind,
            });
          }
          if (identified && (outcome.kind === 'refused' || outcome.kind === 'replaced')) {
            const confirmedMs = droppedAt === undefined ? 0 : Math.round(performance.now() - droppedAt);
            return { gone: outcome.kind, confirmedMs, ...(heardMs !== undefined ? { heardMs } : {}) };
          }
          let delay = retryDelayMs;
          if (outcome.kind === 'dropped') {
            droppedAt ??= outcome.at;
            // Look again at once (a dead process's port refuses, a live one answers again), unless
            // streams keep dropping: then at the unknown outcome's pace.
            const quick = outcome.at - lastDrop < 1000;
            lastDrop = outcome.at;
            if (!quick) continue;
          } else if (droppedAt !== undefined && performance.now() - droppedAt < CONFIRM_WINDOW_MS) {
            // Confirming a drop: a dying process's port resets connections for a moment before it
            // refuses them, so look again soon.
            delay = CONFIRM_RETRY_MS;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
          if (signal.aborted) throw signal.reason;
        }
      } finally {
        clearInterval(beating);
      }
    },
  };
}

export type MediaWatchActivities = ReturnType<typeof createMediaWatchActivities>;
