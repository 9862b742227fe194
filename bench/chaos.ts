/**
 * Chaos: calls to the sample flow (welcome → menu, press 2 → support → goodbye) while the processes
 * that serve them fail at random moments, one fault per call, the fault types in turn:
 * - `mediaKill`: SIGKILL of the media worker holding the call, during a prompt or while the menu
 *   listens for the key (the moments alternate at random);
 * - `mediaStop`: SIGSTOP of that worker for CHAOS_STOP_MS (10 s), during a prompt or while the menu
 *   listens, then SIGCONT;
 * - `flowKill`: SIGKILL of the flow worker that ran the call's last workflow task, as the caller
 *   presses the menu key;
 * - `flowStop`: SIGSTOP of that flow worker for CHAOS_STOP_MS at the key press, then SIGCONT;
 * - `apiKill`: SIGKILL of the API process, either 0–40 ms after the call's start request was sent
 *   (the client retries, as a load balancer or a careful client would: one call must start, not
 *   two) or during a prompt (the call must not notice).
 * Every other round of calls goes to a number that records its calls, so faults also land while a
 * call is being recorded: each worker that held the call must leave its part, consent asked once.
 * A killed process is replaced at once (as a supervisor would). CHAOS_CONCURRENCY + 1 media and
 * flow workers (sized N+1: with that many calls faulted at once, one worker of each kind is always
 * live; a smaller pool measures the replacement's start-up, about 5 s, not the hand-over) and the
 * API run as real processes. Figures: calls on the right path (hung up by the flow after
 * support), silence after each fault type (from the fault to the caller's audio coming back after
 * a quiet gap; for `flowKill` and `flowStop`, from the key press; for `apiKill` at admission, from
 * the start request to the first prompt), recording parts missing, and duplicated or lost events
 * (gaps in `seq`, a node entered twice).
 * CHAOS_CALLS (60, one fault each; a few do not land, as when the prompt ends first),
 * CHAOS_CONCURRENCY (2), CHAOS_SEED, CHAOS_STOP_MS (10000), CHAOS_FAULTS (all five; e.g. `flowKill`
 * for one kind), CHAOS_TRACE=1 (every faulted call's timeline, not only the slow or failed ones).
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
import { parseMediaWorkerIdentity } from '../lib/contracts/media-watch';
import { MEDIA_ATTACH_TASK_QUEUE } from '../lib/contracts/temporal';
import { metricValue, scrape } from '../test/support/metrics';
import { summarize, type Figure } from './report';

const calls = Number(process.env.CHAOS_CALLS ?? 60);
const concurrency = Number(process.env.CHAOS_CONCURRENCY ?? 2);
const stopMs = Number(process.env.CHAOS_STOP_MS ?? 10_000);
const NUMBER = '+14155550166';
/** Quiet this long, then sound: the caller's audio resumed. */
const RESUME_GAP_MS = 250;
/** Audio already on its way when a process dies still arrives for about this long. */
const IN_FLIGHT_MS = 150;
/** The same flow on a number that records its calls. */
const RECORDED_NUMBER = '+14155550167';
const ALL_FAULTS = ['mediaKill', 'mediaStop', 'flowKill', 'apiKill', 'flowStop'] as const;
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
  kind: 'media' | 'flow' | 'api';
  processes: Set<WorkerProcess>;
  spawn(): Promise<WorkerProcess>;
}

export async function benchChaos(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false, flowWorker: false });
  const bundlePath = `${await mkdtemp(`${tmpdir()}/switchboard-bundle-`)}/workflow-bundle.js`;
  await buildWorkflowBundle(bundlePath);
  const pool = (kind: Pool['kind']): Pool => {
    const processes = new Set<WorkerProcess>();
    return {
      kind,
      processes,
      async spawn() {
        const env = { ...stack.processEnv, LOG_LEVEL: 'warn' };
        const worker =
          kind === 'media'
            ? await startProcess('workers/media-worker.ts', env, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 })
            : kind === 'flow'
              ? await startProcess('workers/flow-worker.ts', { ...env, WORKFLOW_BUNDLE_PATH: bundlePath }, 'FLOW_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 })
              : await startProcess('api/server.ts', env, 'PORT', { startTimeoutMs: 180_000 });
        processes.add(worker);
        void worker.exited.then(() => processes.delete(worker));
        return worker;
      },
    };
  };
  const media = pool('media');
  const flow = pool('flow');
  const apiPool = pool('api');
  /** The API process now serving, restarted after each kill (what a supervisor does). */
  let api: Promise<WorkerProcess> | undefined;
  const apiUrl = async () => (await (api as Promise<WorkerProcess>)).healthUrl.replace(/\/healthz$/, '');
  /**
   * Starts a call through the API process, retrying while the API is down (as a load balancer or a
   * careful client would): the same room must give the same single call.
   */
  const startCall = async (roomName: string, calledNumber: string, onSent?: () => void): Promise<{ callId: string; workflowId: string; tries: number }> => {
    for (let tries = 1; ; tries++) {
      try {
        const sent = fetch(`${await apiUrl()}/api/calls`, {
          method: 'POST',
          headers: { ...stack.authHeaders, 'content-type': 'application/json' },
          body: JSON.stringify({ roomName, calledNumber }),
          signal: AbortSignal.timeout(10_000),
        });
        if (tries === 1) onSent?.();
        const response = await sent;
        const body = (await response.json()) as { callId: string; workflowId: string };
        if (!response.ok) throw new Error(`POST /api/calls: ${response.status} ${JSON.stringify(body)}`);
        return { ...body, tries };
      } catch (error) {
        if (tries >= 60 || /POST \/api\/calls: 4/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  const next = random(Number(process.env.CHAOS_SEED ?? 2026));
  const silence: Record<Fault, number[]> = { mediaKill: [], mediaStop: [], flowKill: [], apiKill: [], flowStop: [] };
  const faults: Record<Fault, number> = { mediaKill: 0, mediaStop: 0, flowKill: 0, apiKill: 0, flowStop: 0 };
  /** callerHeardAfterMs of each attach that took a call over from a lost worker. */
  const takeoverHeardAfter: number[] = [];
  /** Where the faults landed: `mediaKill@listening`, `apiKill@admission`, … */
  const moments = new Map<string, number>();
  const landed = (key: string) => moments.set(key, (moments.get(key) ?? 0) + 1);
  let recordedCalls = 0;
  let recordingPartsMissing = 0;
  let admissionsRetried = 0;
  const rooms = new RoomServiceClient(liveKitHttpUrl(stack.liveKit.url), stack.liveKit.apiKey, stack.liveKit.apiSecret);
  let staleAgents = 0;
  /** The prompt cache of the media workers still running at the end (the sample flow's prompts are all static). */
  const promptCache = { hits: 0, misses: 0, workers: 0 };
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

  /**
   * How the call's take-overs went, from its history: each attach after the first went to a picked
   * worker's own queue or to the shared queue, and attempts of those attaches lost (a stopped
   * worker's poll took them).
   */
  const takeovers = { picked: 0, shared: 0, attemptsLost: 0 };
  const countTakeovers = async (workflowId: string): Promise<void> => {
    const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const attaches = new Set<string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'attachMedia') {
        if (attaches.size > 0) takeovers[scheduled.taskQueue?.name === MEDIA_ATTACH_TASK_QUEUE ? 'shared' : 'picked']++;
        attaches.add(String(event.eventId));
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started && attaches.size > 1 && attaches.has(String(started.scheduledEventId))) takeovers.attemptsLost += (started.attempt ?? 1) - 1;
    }
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
      // Workflow tasks: which flow worker took each, and which timed out (the flow faults' cost).
      const wft = event.workflowTaskScheduledEventAttributes
        ? 'sched'
        : event.workflowTaskStartedEventAttributes
          ? `start(${event.workflowTaskStartedEventAttributes.identity ?? '?'})`
          : event.workflowTaskTimedOutEventAttributes
            ? 'timeout'
            : event.workflowTaskFailedEventAttributes
              ? 'fail'
              : event.workflowTaskCompletedEventAttributes
                ? 'done'
                : undefined;
      if (wft && at >= from - 3000) {
        out.push(`${at - from >= 0 ? '+' : ''}${at - from} wft:${wft}`);
        continue;
      }
      const kind = scheduled ? 'sched' : event.activityTaskStartedEventAttributes ? 'start' : event.activityTaskCompletedEventAttributes ? 'done' : event.activityTaskFailedEventAttributes ? 'fail' : event.activityTaskTimedOutEventAttributes ? 'timeout' : undefined;
      if (!kind || at < from - 3000) continue;
      const name = scheduled ? names.get(String(event.eventId)) : names.get(String(ref));
      if (name === 'recordCallEvents') continue;
      // A retried activity's history keeps only its last attempt's start: the attempt number tells how many were lost.
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      // Starts name the worker (pid@host) that ran the attempt.
      const startedBy = event.activityTaskStartedEventAttributes?.identity ?? '?';
      const identity = parseMediaWorkerIdentity(startedBy)?.workerId ?? startedBy;
      out.push(`${at - from >= 0 ? '+' : ''}${at - from} ${name}:${kind}${kind === 'start' ? (attempt > 1 ? `(attempt ${attempt}, ${identity})` : `(${identity})`) : ''}`);
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
    for (const spawn of [...Array(concurrency + 1).fill(flow.spawn), ...Array(concurrency + 1).fill(media.spawn)] as Array<() => Promise<WorkerProcess>>) await spawn();
    api = apiPool.spawn();
    await api;
    const created = await stack.post('/api/flows', { name: 'Chaos', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${created.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: created.id });
    await stack.post('/api/phone-triggers', { phoneNumber: RECORDED_NUMBER, flowId: created.id, settings: { recordCalls: true, recordingConsentPrompt: 'This call is recorded.' } });

    const placeOne = async (index: number) => {
      const fault = FAULTS[index % FAULTS.length] as Fault;
      // Every other round of calls is recorded (its consent line is the first prompt).
      const recorded = Math.floor(index / FAULTS.length) % 2 === 1;
      const roomName = uniqueName(`chaos-${index}`);
      let workflowId = '';
      let faultAt: number | undefined;
      let faultDone: Promise<void> = Promise.resolve();
      // Media faults land in the first or second prompt the caller hears, 100–1500 ms after it
      // started, or while the menu listens for the key (200–1500 ms after the first prompt ended;
      // the caller waits 2.5 s before its key); API kills at the call's start request or in a prompt.
      let moment: 'prompt' | 'listening' | 'admission' =
        fault === 'flowKill' || fault === 'flowStop' ? 'prompt' : next() < 0.5 ? (fault === 'apiKill' ? 'admission' : 'listening') : 'prompt';
      const targetPrompt = moment === 'listening' ? 0 : Math.floor(next() * 2);
      const faultDelayMs = moment === 'listening' ? 200 + next() * 1300 : moment === 'admission' ? next() * 40 : 100 + next() * 1400;
      const promptStarts: number[] = [];
      /** When the caller subscribed to each agent's voice and got its first frame (hand-overs). */
      const agentVoice: Array<{ at: number; what: string }> = [];
      // When the caller's audio came back: each loud frame after at least RESUME_GAP_MS of quiet
      // (the caller's own prompt tracking merges gaps shorter than its 1.2 s hangover).
      const resumes: number[] = [];
      let lastLoudAt = 0;
      const onAudio = (_samples: Int16Array, loud: boolean) => {
        if (!loud) return;
        const now = Date.now();
        if (now - lastLoudAt >= RESUME_GAP_MS) resumes.push(now);
        lastLoudAt = now;
      };
      /** Time from `from` to the first audio after a gap that began at or before it, past audio still in flight. */
      const silenceAfter = (from: number) => {
        const resumed = resumes.find((at) => at > from + IN_FLIGHT_MS);
        return resumed === undefined ? undefined : resumed - from;
      };
      const killApi = async () => {
        const victim = await (api as Promise<WorkerProcess>);
        faultAt = Date.now();
        victim.child.kill('SIGKILL');
        faults.apiKill++;
        landed(`apiKill@${moment}`);
        api = apiPool.spawn();
        await api;
      };
      const inject = async () => {
        if (fault === 'apiKill') return killApi();
        if (fault === 'flowKill' || fault === 'flowStop') {
          const victim = await flowHolder(workflowId);
          if (!victim) return;
          faults[fault]++;
          landed(`${fault}@key`);
          if (fault === 'flowKill') {
            victim.child.kill('SIGKILL');
            void flow.spawn();
            return;
          }
          victim.child.kill('SIGSTOP');
          void flow.spawn();
          await new Promise((resolve) => setTimeout(resolve, stopMs));
          victim.child.kill('SIGCONT');
          victim.child.kill('SIGTERM');
          return;
        }
        if (moment === 'listening') {
          // The prompt the caller heard end may not be the menu's (a slow gap after the welcome):
          // then the fault lands between prompts, and counts as one.
          const state = await stack.temporal.client.workflow.getHandle(workflowId).query(getStateQuery);
          if (state.nodeId !== 'mainMenu') moment = 'prompt';
        }
        const holder = await mediaHolder(workflowId);
        if (!holder) return;
        const victim = holder.worker;
        faultAt = Date.now();
        landed(`${fault}@${moment}`);
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
        onAudio,
        // The caller presses 2 again whenever a prompt ends and nothing happens; when the fault is
        // for the listening menu, it takes its time over the first key.
        // (A repeated key waits 2.5 s, as a caller would: sooner, it would land in the gap after a
        // fault and skip the prompt said again, hiding how long the gap was.)
        script: Array.from({ length: 7 }, (_, i) => ({ press: '2', after: 'promptEnd' as const, ...(i > 0 || moment === 'listening' ? { delayMs: 2500 } : {}) })),
        onEvent: (event) => {
          if (event.type === 'promptStarted') promptStarts.push(Date.now());
          if (event.type === 'agentTrack' || event.type === 'agentAudio') agentVoice.push({ at: Date.now(), what: event.type === 'agentTrack' ? 'track' : 'first frame' });
          const cue = moment === 'listening' ? 'promptEnded' : 'promptStarted';
          if ((fault === 'mediaKill' || fault === 'mediaStop' || (fault === 'apiKill' && moment === 'prompt')) && event.type === cue && event.index === targetPrompt && faultAt === undefined && workflowId) {
            faultAt = -1; // claimed
            faultDone = new Promise((resolve) => setTimeout(resolve, faultDelayMs)).then(inject);
          }
          if (event.type === 'pressed' && (fault === 'flowKill' || fault === 'flowStop') && faultAt === undefined && workflowId) {
            faultAt = Date.now();
            faultDone = inject();
          }
        },
      });
      const requested = Date.now();
      const started = await startCall(roomName, recorded ? RECORDED_NUMBER : NUMBER, () => {
        if (moment === 'admission') faultDone = new Promise((resolve) => setTimeout(resolve, faultDelayMs)).then(inject);
      });
      if (started.tries > 1) admissionsRetried++;
      workflowId = started.workflowId;
      const heard = await caller;
      await faultDone;
      const result = await stack.temporal.client.workflow.getHandle(workflowId).result();
      const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
      const events = record.events as Array<{ type: string; nodeId?: string; seq: number; data: Record<string, unknown> }>;
      const entered = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
      const seqs = events.map((event) => event.seq).sort((a, b) => a - b);
      const gaps = seqs.filter((seq, i) => seq !== i + 1).length;
      const twice = entered.length - new Set(entered).size;
      lost += gaps;
      duplicated += twice;
      let recordingOk = true;
      if (recorded) {
        recordedCalls++;
        // Each worker that held the call leaves its part; consent is asked once.
        const parts = events.filter((event) => event.type === 'recordingStarted').map((event) => event.data.recordingId as string);
        const stored = new Set((record.recordings as Array<{ id: string }>).map((recording) => recording.id));
        const missing = parts.filter((id) => !stored.has(id)).length;
        recordingPartsMissing += missing;
        const attaches = events.filter((event) => event.type === 'mediaAttached').length;
        recordingOk = missing === 0 && parts.length === attaches && events.filter((event) => event.type === 'recordingConsent').length === 1;
      }
      // How long after the caller was there each worker that took the call over could be heard.
      const heardAfter = events
        .filter((event) => event.type === 'mediaAttached' && Number(event.data.reattachment ?? 0) > 0)
        .map((event) => event.data.callerHeardAfterMs);
      for (const ms of heardAfter) if (typeof ms === 'number') takeoverHeardAfter.push(ms);
      await countTakeovers(workflowId);
      const faulted = faultAt !== undefined && faultAt > 0;
      // The caller's wait: for an API killed at the start request, from the request to the first
      // prompt (through the retries); otherwise from the fault to the audio coming back.
      const silent = !faulted ? undefined : moment === 'admission' ? (resumes[0] === undefined ? undefined : resumes[0] - requested) : fault === 'apiKill' ? undefined : silenceAfter(faultAt as number);
      if (silent !== undefined) silence[fault].push(silent);
      const heardAgain = !faulted || fault === 'apiKill' || silent !== undefined;
      const ok = result.endReason === 'completed' && heard.hungUpByAgent && entered.join() === 'welcome,mainMenu,support,goodbye' && recordingOk && heardAgain;
      if (ok) correct++;
      else {
        const why = `${recordingOk ? '' : ', recording parts wrong'}${heardAgain ? '' : ', nothing heard after the fault'}`;
        failures.push(`call ${index} (${fault}@${moment}${recorded ? ', recorded' : ''}): ${result.endReason}, path ${entered.join('>')}, caller ${heard.endReason}${why}`);
      }
      const trouble = await troubles(workflowId);
      console.error(
        `chaos: call ${index} ${fault}@${moment}${recorded ? ' (recorded)' : ''}${faulted ? '' : ' (the fault did not land)'}: ${ok ? 'ok' : result.endReason}, silence ${silent === undefined ? '-' : `${silent} ms`}; ${started.tries > 1 ? `start tried ${started.tries}×; ` : ''}${trouble}`,
      );
      if (!ok || process.env.CHAOS_TRACE || (silent ?? 0) > 2000 || (!faulted && trouble)) {
        const from = faulted ? (faultAt as number) : requested;
        console.error(
          `chaos:   timeline from the ${faulted ? 'fault' : 'start request'}: ${await timeline(workflowId, from)}; caller prompts at ${promptStarts.map((at) => at - from).join(', ')}; audio resumed at ${resumes.map((at) => at - from).join(', ')}; agent voice at the caller: ${agentVoice.map(({ at, what }) => `${what} ${at - from}`).join(', ')}${heardAfter.length ? `; the caller heard the worker that took over after ${heardAfter.map((ms) => (typeof ms === 'number' ? `${ms} ms` : 'no subscription')).join(', ')}` : ''}`,
        );
        console.error(`chaos:   re-attach attempts: ${(attempts.get(workflowId) ?? []).join('; ')}; media workers ${[...media.processes].map((worker) => worker.child.pid).join(', ')}`);
      }
    };

    let index = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (index < calls) await placeOne(index++);
      }),
    );
    for (const worker of media.processes) {
      const text = await scrape(worker.healthUrl.replace(/\/healthz$/, '/metrics')).catch(() => undefined);
      if (!text) continue;
      promptCache.workers++;
      promptCache.hits += metricValue(text, 'switchboard_prompt_cache_total', { result: 'hit' });
      promptCache.misses += metricValue(text, 'switchboard_prompt_cache_total', { result: 'miss' });
    }
  } finally {
    for (const worker of [...media.processes, ...flow.processes, ...apiPool.processes]) {
      worker.child.kill('SIGCONT');
      worker.child.kill('SIGKILL');
    }
    await stack.stop();
  }
  for (const failure of failures) console.log(`chaos: ${failure}`);
  return [
    { name: 'chaos_calls', value: calls, unit: 'calls', note: `${concurrency} at a time` },
    {
      name: 'chaos_faults',
      value: Object.values(faults).reduce((sum, n) => sum + n, 0),
      unit: 'faults',
      note: `mediaKill ${faults.mediaKill}, mediaStop ${faults.mediaStop} (${stopMs} ms), flowKill ${faults.flowKill}, flowStop ${faults.flowStop}, apiKill ${faults.apiKill}`,
    },
    ...[...moments].sort().map(([key, count]) => ({ name: `chaos_faults_${key.replace('@', '_at_')}`, value: count, unit: 'faults' })),
    { name: 'chaos_calls_right_path', value: correct, unit: 'calls', note: `of ${calls}` },
    ...(['mediaKill', 'mediaStop', 'flowKill', 'flowStop'] as const).flatMap((fault) => summarize(`chaos_silence_${fault}`, silence[fault], 'ms', [50, 95, 100])),
    ...summarize('chaos_first_prompt_after_api_kill_at_admission', silence.apiKill, 'ms', [50, 95, 100]),
    // The attach of a worker taking a call over waits for the caller to subscribe to its voice (HEARD_WAIT_MS).
    ...summarize('chaos_takeover_heard_after', takeoverHeardAfter, 'ms', [50, 95, 100]),
    { name: 'chaos_takeovers_on_picked_worker', value: takeovers.picked, unit: 'attaches', note: `on a live worker's own queue (pickMediaWorker); ${takeovers.shared} on the shared queue` },
    { name: 'chaos_takeover_attempts_lost', value: takeovers.attemptsLost, unit: 'attempts', note: 'take-over attach attempts that timed out (a stopped worker took them)' },
    { name: 'chaos_admissions_retried', value: admissionsRetried, unit: 'calls', note: 'the start request met a killed API and was sent again' },
    { name: 'chaos_recorded_calls', value: recordedCalls, unit: 'calls' },
    { name: 'chaos_recording_parts_missing', value: recordingPartsMissing, unit: 'parts', note: 'a worker that held a recorded call left no part' },
    { name: 'chaos_stopped_workers_still_in_room', value: staleAgents, unit: 'workers', note: `2 s after SIGCONT, of ${faults.mediaStop}` },
    {
      name: 'chaos_prompts_synthesized_in_calls',
      value: promptCache.misses,
      unit: 'prompts',
      note: `${promptCache.hits} from the cache, on the ${promptCache.workers} media workers running at the end`,
    },
    { name: 'chaos_events_lost', value: lost, unit: 'events', note: 'gaps in seq' },
    { name: 'chaos_events_duplicated', value: duplicated, unit: 'events', note: 'a node entered twice' },
  ];
}
