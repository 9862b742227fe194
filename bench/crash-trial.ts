/**
 * Crash trial: calls to the sample flow while media worker processes are killed (SIGKILL) at random
 * moments and replaced. Counts the calls that still finished correctly: the caller reached support,
 * heard the farewell and was hung up on by the flow. CRASH_CALLS (20), CRASH_CONCURRENCY (4).
 */
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../tools/caller/virtual-caller';
import { startProcess, type WorkerProcess } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import type { Figure } from './report';

const calls = Number(process.env.CRASH_CALLS ?? 20);
const concurrency = Number(process.env.CRASH_CONCURRENCY ?? 4);

/** Deterministic pseudo-random numbers, so a run can be repeated. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function benchCrashTrial(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false });
  const workers = new Set<WorkerProcess>();
  const spawnWorker = async () => {
    const worker = await startProcess('workers/media-worker.ts', stack.processEnv, 'MEDIA_WORKER_HEALTH_PORT');
    workers.add(worker);
    void worker.exited.then(() => workers.delete(worker));
    return worker;
  };
  const next = random(Number(process.env.CRASH_SEED ?? 2026));
  let kills = 0;
  let correct = 0;
  let handedOver = 0;
  const failures: string[] = [];
  try {
    await Promise.all([spawnWorker(), spawnWorker()]);
    const flow = await stack.post('/api/flows', { name: 'Crash trial', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: '+14155550155', flowId: flow.id });

    const placeOne = async (index: number) => {
      const roomName = uniqueName(`crash-${index}`);
      const caller = runVirtualCaller({
        ...stack.liveKit,
        roomName,
        silenceHangoverMs: 1200,
        maxDurationMs: 120_000,
        // A caller presses 2 again whenever a prompt ends and nothing happens (a key pressed while the
        // call moves between workers is lost, as it would be on a real line).
        script: Array.from({ length: 6 }, () => ({ press: '2', after: 'promptEnd' as const })),
      });
      const started = await stack.post('/api/calls', {
        roomName,
        calledNumber: '+14155550155',
        media: { heartbeatTimeoutMs: 2000, scheduleToStartTimeoutMs: 2000 },
      });
      // Kill one worker at a random moment of this call, and start a replacement.
      const killAfterMs = 500 + next() * 9000;
      const killer = new Promise<void>((resolve) =>
        setTimeout(() => {
          const victims = [...workers];
          const victim = victims[Math.floor(next() * victims.length)];
          if (victim) {
            victim.child.kill('SIGKILL');
            kills++;
            void spawnWorker();
          }
          resolve();
        }, killAfterMs),
      );
      const heard = await caller;
      await killer;
      const result = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
      const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
      const entered = record.events.filter((event: { type: string }) => event.type === 'nodeEntered').map((event: { nodeId: string }) => event.nodeId);
      if (record.events.some((event: { type: string }) => event.type === 'mediaLost')) handedOver++;
      const ok = result.endReason === 'completed' && heard.hungUpByAgent && entered.join() === 'welcome,mainMenu,support,goodbye';
      if (ok) correct++;
      else failures.push(`call ${index}: ${result.endReason}, path ${entered.join('>')}, caller ${heard.endReason}`);
    };

    let index = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (index < calls) await placeOne(index++);
      }),
    );
  } finally {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await stack.stop();
  }
  for (const failure of failures) console.log(`crash trial: ${failure}`);
  return [
    { name: 'crash_trial_calls', value: calls, unit: 'calls', note: `${concurrency} at a time` },
    { name: 'crash_trial_worker_kills', value: kills, unit: 'kills', note: 'SIGKILL of a media worker' },
    { name: 'crash_trial_calls_handed_over', value: handedOver, unit: 'calls', note: 'moved to another worker mid-call' },
    { name: 'crash_trial_calls_correct', value: correct, unit: 'calls', note: `of ${calls}` },
  ];
}
