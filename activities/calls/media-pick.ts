/**
 * `pickMediaWorker`: runs on a flow worker (a local activity of the call's workflow) when a call moves away from a lost media worker, and
 * names a media worker that is alive and has room for it, so the workflow can hand the call to that
 * worker's own queue. Without it the re-attach goes to the shared `media` queue, where a stopped
 * (SIGSTOP) worker's poll is still open: the server may hand it the attach, and the call waits out
 * a heartbeat timeout before a live worker gets it.
 *
 * It reads who polls the shared queue (a media worker's Temporal identity carries its id and watch
 * address, lib/contracts/media-watch.ts) and asks each one's `/readyz` at once. A stopped worker
 * cannot answer, a killed one refuses, a full or draining one answers 503: only live workers with
 * room are candidates, and the least busy of those that answered is picked. Nothing found is an
 * answer too (`picked: undefined`): the workflow then attaches through the shared queue as before.
 */
import { parseMediaWorkerIdentity } from '../../lib/contracts/media-watch';

export interface PickMediaWorkerInput {
  /** Workers that must not get the call (the ones declared lost during it). */
  avoidWorkers: string[];
  /** The call's shared queue (`media` unless the call names a pool of its own). */
  attachTaskQueue: string;
}

export interface PickMediaWorkerResult {
  /** The picked worker, or undefined when none answered in time with room for the call. */
  picked?: { workerId: string; taskQueue: string };
  /** Media workers polling the shared queue (not avoided), and how many answered ready. */
  candidates: number;
  ready: number;
}

export interface MediaPickDeps {
  /** The identities polling a shared media queue (Temporal's DescribeTaskQueue). */
  mediaQueuePollers: (taskQueue: string) => Promise<string[]>;
  /** How long a worker may take to answer `/readyz` (a stopped one never does). */
  answerTimeoutMs?: number;
  /** Once one worker answered ready, how much longer to wait for the others (to pick the least busy). */
  graceMs?: number;
}

/** What a ready media worker's `/readyz` says of itself (workers/media-worker.ts `report`). */
interface ReadyWorker {
  workerId: string;
  taskQueue: string;
  sessions: number;
}

/** The worker's `/readyz` answer when it is ready and is the worker its identity names; else undefined. */
async function askReady(watchUrl: string, workerId: string, timeoutMs: number): Promise<ReadyWorker | undefined> {
  try {
    // 200 only while it takes calls; a stopped worker never answers (the timeout), a killed one refuses.
    const response = await fetch(new URL('/readyz', watchUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) return undefined;
    const report = (await response.json()) as Partial<ReadyWorker> & { healthy?: boolean };
    const ok = report.healthy === true && report.workerId === workerId && typeof report.taskQueue === 'string';
    return ok ? { workerId, taskQueue: report.taskQueue as string, sessions: Number(report.sessions ?? 0) } : undefined;
  } catch {
    return undefined;
  }
}

export function createMediaPickActivities(deps: MediaPickDeps) {
  const answerTimeoutMs = deps.answerTimeoutMs ?? 300;
  const graceMs = deps.graceMs ?? 10;
  return {
    async pickMediaWorker({ avoidWorkers, attachTaskQueue }: PickMediaWorkerInput): Promise<PickMediaWorkerResult> {
      const seen = new Set<string>();
      const candidates = (await deps.mediaQueuePollers(attachTaskQueue))
        .map(parseMediaWorkerIdentity)
        .filter((worker): worker is { workerId: string; watchUrl: string } => {
          if (!worker || avoidWorkers.includes(worker.workerId) || seen.has(worker.workerId)) return false;
          seen.add(worker.workerId);
          return true;
        });
      if (candidates.length === 0) return { candidates: 0, ready: 0 };
      const ready: ReadyWorker[] = [];
      await new Promise<void>((resolve) => {
        let pending = candidates.length;
        let grace: NodeJS.Timeout | undefined;
        for (const candidate of candidates) {
          void askReady(candidate.watchUrl, candidate.workerId, answerTimeoutMs).then((answer) => {
            if (answer) {
              ready.push(answer);
              grace ??= setTimeout(resolve, graceMs);
            }
            if (--pending === 0) {
              clearTimeout(grace);
              resolve();
            }
          });
        }
      });
      // The least busy; among equals, the first to answer.
      const best = ready.reduce<ReadyWorker | undefined>((chosen, worker) => (!chosen || worker.sessions < chosen.sessions ? worker : chosen), undefined);
      return { ...(best ? { picked: { workerId: best.workerId, taskQueue: best.taskQueue } } : {}), candidates: candidates.length, ready: ready.length };
    },
  };
}

export type MediaPickActivities = ReturnType<typeof createMediaPickActivities>;
