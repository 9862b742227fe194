/**
 * Chaos: calls to the sample flow (welcome → menu, press 2 → support → goodbye) while the processes
 * that serve them fail at random moments, one fault per call, the fault types in turn:
 * - `mediaKill`: SIGKILL of the media worker holding the call, during a prompt;
 * - `mediaStop`: SIGSTOP of that worker for CHAOS_STOP_MS (10 s), during a prompt, then SIGCONT;
 * - `flowKill`: SIGKILL of the flow worker that ran the call's last workflow task, as the caller
 *   presses the menu key.
 * A killed process is replaced at once (as a supervisor would). Two media and two flow workers run
 * as real processes. Figures: calls on the right path (hung up by the flow after support), silence
 * after each fault type (from the fault to the next prompt the caller hears; for `flowKill`, from the
 * key press), and duplicated or lost events (gaps in `seq`, a node entered twice).
 * CHAOS_CALLS (50 = 50 faults), CHAOS_CONCURRENCY (2), CHAOS_SEED, CHAOS_STOP_MS (10000), CHAOS_FAULTS
 * (all three; e.g. `flowKill` for one kind).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { salesSupportSample } from '@switchboard/flow-model';
import { RoomServiceClient } from 'livekit-server-sdk';
import { agentIdentity } from '../activities/media/types';
import { liveKitHttpUrl } from '../lib/env';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import { runVirtualCaller } from '../tools/caller/virtual-caller';
import { startProcess, type WorkerProcess } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { getStateQuery } from '../workflows/definitions';
import { summarize, type Figure } from './report';

const calls = Number(process.env.CHAOS_CALLS ?? 50);
const concurrency = Number(process.env.CHAOS_CONCURRENCY ?? 2);
const stopMs = Number(process.env.CHAOS_STOP_MS ?? 10_000);
const NUMBER = '+14155550166';
const ALL_FAULTS = ['mediaKill', 'mediaStop', 'flowKill'] as const;
type Fault = (typeof ALL_FAULTS)[number];
const FAULTS: readonly Fault[] = process.env.CHAOS_FAULTS ? (process.env.CHAOS_FAULTS.split(',') as Fault[]).filter((f) => ALL_FAULTS.includes(f)) : ALL_FAULTS;

/** Deterministic pseudo-random numbers, so a run can be repeated. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Pool {
  kind: 'media' | 'flow';
  processes: Set<WorkerProcess>;
  spawn(): Promise<WorkerProcess>;
}

export async function benchChaos(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false, flowWorker: false });
  const bundlePath = `${await mkdtemp(`${tmpdir()}/switchboard-bundle-`)}/workflow-bundle.js`;
  await buildWorkflowBundle(bundlePath);
  const pool = (kind: 'media' | 'flow'): Pool => {
    const processes = new Set<WorkerProcess>();
    return {
      kind,
      processes,
      async spawn() {
        const worker =
          kind === 'media'
            ? await startProcess('workers/media-worker.ts', { ...stack.processEnv, LOG_LEVEL: 'warn' }, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 })
            : await startProcess('workers/flow-worker.ts', { ...stack.processEnv, LOG_LEVEL: 'warn', WORKFLOW_BUNDLE_PATH: bundlePath }, 'FLOW_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 });
        processes.add(worker);
        void worker.exited.then(() => processes.delete(worker));
        return worker;
      },
    };
  };
  const media = pool('media');
  const flow = pool('flow');
  const next = random(Number(process.env.CHAOS_SEED ?? 2026));
  const silence: Record<Fault, number[]> = { mediaKill: [], mediaStop: [], flowKill: [] };
  const faults: Record<Fault, number> = { mediaKill: 0, mediaStop: 0, flowKill: 0 };
  const rooms = new RoomServiceClient(liveKitHttpUrl(stack.liveKit.url), stack.liveKit.apiKey, stack.liveKit.apiSecret);
  let staleAgents = 0;
  let correct = 0;
  let duplicated = 0;
  let lost = 0;
  const failures: string[] = [];

  /** The media worker process holding a call (its health report names its worker id). */
  const mediaHolder = async (workflowId: string): Promise<{ worker: WorkerProcess; workerId: string } | undefined> => {
    const state = await stack.temporal.client.workflow.getHandle(workflowId).query(getStateQuery);
    for (const worker of media.processes) {
      const report = (await fetch(worker.healthUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.json(), () => ({}))) as { workerId?: string };
      if (report.workerId && report.workerId === state.mediaWorkerId) return { worker, workerId: report.workerId };
    }
    return undefined;
  };
  /** The flow worker process that ran the call's last workflow task (its sticky queue holds the call). */
  const flowHolder = async (workflowId: string): Promise<WorkerProcess | undefined> => {
    const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const started = (history.events ?? []).filter((event) => event.workflowTaskStartedEventAttributes).pop();
    const pid = Number(started?.workflowTaskStartedEventAttributes?.identity?.split('@')[0]);
    return [...flow.processes].find((worker) => worker.child.pid === pid);
  };

  /** What went wrong in a call's history: timed-out and failed activities and workflow tasks, by kind. */
  const troubles = async (workflowId: string): Promise<string> => {
    const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const types = new Map<string, string>();
    const counts = new Map<string, number>();
    const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const timedOut = event.activityTaskTimedOutEventAttributes;
      if (timedOut) count(`${types.get(String(timedOut.scheduledEventId))} timedOut(${timedOut.failure?.timeoutFailureInfo?.timeoutType ?? timedOut.failure?.cause?.timeoutFailureInfo?.timeoutType})`);
      const failed = event.activityTaskFailedEventAttributes;
      if (failed) count(`${types.get(String(failed.scheduledEventId))} failed(${failed.failure?.applicationFailureInfo?.type ?? failed.failure?.message})`);
      const wft = event.workflowTaskTimedOutEventAttributes;
      if (wft) count(`workflowTask timedOut(${wft.timeoutType})`);
    }
    return [...counts].map(([key, n]) => `${key}×${n}`).join(', ');
  };
  /** The call's activity events after `from` (epoch ms), as `+ms name:event` (for slow or failed calls). */
  const timeline = async (workflowId: string, from: number): Promise<string> => {
    const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const names = new Map<string, string>();
    const out: string[] = [];
    for (const event of history.events ?? []) {
      const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round(Number(event.eventTime?.nanos ?? 0) / 1e6);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) names.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const ref =
        event.activityTaskStartedEventAttributes?.scheduledEventId ??
        event.activityTaskCompletedEventAttributes?.scheduledEventId ??
        event.activityTaskFailedEventAttributes?.scheduledEventId ??
        event.activityTaskTimedOutEventAttributes?.scheduledEventId;
      const kind = scheduled ? 'sched' : event.activityTaskStartedEventAttributes ? 'start' : event.activityTaskCompletedEventAttributes ? 'done' : event.activityTaskFailedEventAttributes ? 'fail' : event.activityTaskTimedOutEventAttributes ? 'timeout' : undefined;
      if (!kind || at < from - 3000) continue;
      const name = scheduled ? names.get(String(event.eventId)) : names.get(String(ref));
      if (name === 'recordCallEvents') continue;
      // A retried activity's history keeps only its last attempt's start: the attempt number tells how many were lost.
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      out.push(`${at - from >= 0 ? '+' : ''}${at - from} ${name}:${kind}${attempt > 1 ? `(attempt ${attempt}, ${event.activityTaskStartedEventAttributes?.identity ?? '?'})` : ''}`);
    }
    return out.join(' ');
  };

  /**
   * The re-attach's attempts as Temporal sees them while they happen (a history keeps only the last
   * attempt): each attempt's number, the worker that took it and why the one before failed.
   */
  const attempts = new Map<string, string[]>();
  const watchAttempts = async (workflowId: string, from: number) => {
    const seen: string[] = [];
    attempts.set(workflowId, seen);
    let last = '';
    let sawAttach = false;
    while (Date.now() - from < stopMs + 8000) {
      const description = await stack.temporal.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      const attach = description?.raw.pendingActivities?.find((activity) => activity.activityType?.name === 'attachMedia');
      if (attach) {
        sawAttach = true;
        const line = `attempt ${attach.attempt} state ${attach.state} by ${attach.lastWorkerIdentity || '-'}${attach.lastFailure ? ` after "${attach.lastFailure.message}"` : ''}`;
        if (line !== last) seen.push(`+${Date.now() - from} ${line}`);
        last = line;
      } else if (sawAttach) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };

  try {
    // One at a time: four processes starting at once on a small, busy machine miss their start-up deadline.
    for (const spawn of [flow.spawn, flow.spawn, media.spawn, media.spawn]) await spawn();
    const created = await stack.post('/api/flows', { name: 'Chaos', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${created.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: created.id });

    const placeOne = async (index: number) => {
      const fault = FAULTS[index % FAULTS.length] as Fault;
      const roomName = uniqueName(`chaos-${index}`);
      let workflowId = '';
      let faultAt: number | undefined;
      let faultDone: Promise<void> = Promise.resolve();
      // Media faults land in the welcome or the menu prompt, 100–1500 ms after it started.
      const targetPrompt = Math.floor(next() * 2);
      const faultDelayMs = 100 + next() * 1400;
      const promptStarts: number[] = [];
      const inject = async () => {
        if (fault === 'flowKill') {
          const victim = await flowHolder(workflowId);
          if (!victim) return;
          victim.child.kill('SIGKILL');
          faults.flowKill++;
          void flow.spawn();
          return;
        }
        const holder = await mediaHolder(workflowId);
        if (!holder) return;
        const victim = holder.worker;
        faultAt = Date.now();
        void watchAttempts(workflowId, faultAt);
        if (fault === 'mediaKill') {
          victim.child.kill('SIGKILL');
          faults.mediaKill++;
          void media.spawn();
        } else {
          victim.child.kill('SIGSTOP');
          faults.mediaStop++;
          // Another worker for the time it is stopped, as an orchestrator's liveness probe would add.
          void media.spawn();
          await new Promise((resolve) => setTimeout(resolve, stopMs));
          victim.child.kill('SIGCONT');
          // Woken, it must not be in the call's room any more (it was removed when declared lost).
          await new Promise((resolve) => setTimeout(resolve, 2000));
          const inRoom = await rooms.listParticipants(roomName).catch(() => []);
          if (inRoom.some((participant) => participant.identity === agentIdentity(holder.workerId))) staleAgents++;
          victim.child.kill('SIGTERM');
        }
      };
      const caller = runVirtualCaller({
        ...stack.liveKit,
        roomName,
        silenceHangoverMs: 1200,
        maxDurationMs: 120_000,
        // The caller presses 2 again whenever a prompt ends and nothing happens.
        script: Array.from({ length: 6 }, () => ({ press: '2', after: 'promptEnd' as const })),
        onEvent: (event) => {
          if (event.type === 'promptStarted') {
            promptStarts.push(Date.now());
            if (fault !== 'flowKill' && event.index === targetPrompt && faultAt === undefined && workflowId) {
              faultAt = -1; // claimed
              faultDone = new Promise((resolve) => setTimeout(resolve, faultDelayMs)).then(inject);
            }
          }
          if (event.type === 'pressed' && fault === 'flowKill' && faultAt === undefined && workflowId) {
            faultAt = Date.now();
            faultDone = inject();
          }
        },
      });
      const started = await stack.post('/api/calls', { roomName, calledNumber: NUMBER });
      workflowId = started.workflowId;
      const heard = await caller;
      await faultDone;
      const result = await stack.temporal.client.workflow.getHandle(workflowId).result();
      const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
      const events = record.events as Array<{ type: string; nodeId?: string; seq: number }>;
      const entered = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
      const seqs = events.map((event) => event.seq).sort((a, b) => a - b);
      const gaps = seqs.filter((seq, i) => seq !== i + 1).length;
      const twice = entered.length - new Set(entered).size;
      lost += gaps;
      duplicated += twice;
      if (faultAt !== undefined && faultAt > 0) {
        const after = promptStarts.find((at) => at > (faultAt as number));
        if (after !== undefined) silence[fault].push(after - (faultAt as number));
      }
      const ok = result.endReason === 'completed' && heard.hungUpByAgent && entered.join() === 'welcome,mainMenu,support,goodbye';
      if (ok) correct++;
      else failures.push(`call ${index} (${fault}): ${result.endReason}, path ${entered.join('>')}, caller ${heard.endReason}`);
      const silent = faultAt !== undefined && faultAt > 0 ? promptStarts.find((at) => at > (faultAt as number)) : undefined;
      console.error(
        `chaos: call ${index} ${fault}: ${ok ? 'ok' : result.endReason}, silence ${silent === undefined ? '-' : `${silent - (faultAt as number)} ms`}; ${await troubles(workflowId)}`,
      );
      if ((!ok || (silent ?? 0) - (faultAt as number) > 2500) && faultAt !== undefined && faultAt > 0) {
        console.error(`chaos:   timeline from the fault: ${await timeline(workflowId, faultAt as number)}; caller prompts at ${promptStarts.map((at) => at - (faultAt as number)).join(', ')}`);
        console.error(`chaos:   re-attach attempts: ${(attempts.get(workflowId) ?? []).join('; ')}; media workers ${[...media.processes].map((worker) => worker.child.pid).join(', ')}`);
      }
    };

    let index = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (index < calls) await placeOne(index++);
      }),
    );
  } finally {
    for (const worker of [...media.processes, ...flow.processes]) {
      worker.child.kill('SIGCONT');
      worker.child.kill('SIGKILL');
    }
    await stack.stop();
  }
  for (const failure of failures) console.log(`chaos: ${failure}`);
  return [
    { name: 'chaos_calls', value: calls, unit: 'calls', note: `${concurrency} at a time` },
    { name: 'chaos_faults', value: faults.mediaKill + faults.mediaStop + faults.flowKill, unit: 'faults', note: `mediaKill ${faults.mediaKill}, mediaStop ${faults.mediaStop} (${stopMs} ms), flowKill ${faults.flowKill}` },
    { name: 'chaos_calls_right_path', value: correct, unit: 'calls', note: `of ${calls}` },
    ...ALL_FAULTS.flatMap((fault) => summarize(`chaos_silence_${fault}`, silence[fault], 'ms', [50, 95, 100])),
    { name: 'chaos_stopped_workers_still_in_room', value: staleAgents, unit: 'workers', note: `2 s after SIGCONT, of ${faults.mediaStop}` },
    { name: 'chaos_events_lost', value: lost, unit: 'events', note: 'gaps in seq' },
    { name: 'chaos_events_duplicated', value: duplicated, unit: 'events', note: 'a node entered twice' },
  ];
}
