/**
 * Soak: calls to the sample flow back to back in SOAK_LANES (2) lanes for SOAK_MINUTES (60), through
 * the product's own processes (API, flow worker, SOAK_MEDIA_WORKERS media workers, each a process as
 * `npm start` runs them). Every call must end on the right path (menu, press 2, support, goodbye,
 * hung up by the flow). The resident memory of each process is sampled every 5 s; after warm-up (the
 * first quarter) it must stay flat: the figures give its growth over the last three quarters, in %
 * and per call.
 *
 * Media workers recycle after SOAK_RECYCLE_AFTER_CALLS calls (MEDIA_RECYCLE_AFTER_CALLS; rtc-node
 * keeps about 0.3 MB of native memory per room session, docs/operations.md) and this benchmark
 * starts a fresh one in its place, as `npm start` and compose do. The media pool is judged as a
 * whole: its total resident memory, and the largest any one worker reached.
 *
 * The virtual callers are rtc-node's, in a process per lane (bench/support/caller-shard.ts) that is
 * replaced every SOAK_CALLER_CALLS (50) calls: rtc-node 1.1 leaks a capture thread per call the
 * agent hangs up on, and after about 300 calls in one process its callers press their keys late
 * (docs/operations.md). SOAK_CALLER=go runs the Go callers (tools/caller-go) instead; LiveKit's Go
 * SDK 2.19 sometimes never delivers the agent's track to them ("OnTrack will not be fired").
 */
import { rssMb } from './support/process-memory';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { salesSupportSample } from '@switchboard/flow-model';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import type { VirtualCallerResult } from '../tools/caller/virtual-caller';
// @ts-expect-error plain .mjs helper
import { resolveTool } from '../scripts/lib/tools.mjs';
import { GoCallers } from './support/go-callers';
import type { ShardCall, ShardResult } from './support/caller-shard';
import { forkCallerShard } from './support/fork-caller-shard';
import { startProcess, type WorkerProcess } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { metricValue, scrape } from '../test/support/metrics';
import type { Figure } from './report';

const minutes = Number(process.env.SOAK_MINUTES ?? 60);
const lanes = Number(process.env.SOAK_LANES ?? 2);
const mediaWorkers = Number(process.env.SOAK_MEDIA_WORKERS ?? 2);
const recycleAfterCalls = process.env.SOAK_RECYCLE_AFTER_CALLS ?? '100';
const callerKind = process.env.SOAK_CALLER ?? 'node';
const callsPerCallerProcess = Number(process.env.SOAK_CALLER_CALLS ?? 50);
const SAMPLE_MS = 5000;
const NUMBER = '+14155550188';

/** One lane's caller process (bench/support/caller-shard.ts), one call at a time, replaced every callsPerCallerProcess calls. */
class RecycledCaller {
  private child: ChildProcess | undefined;
  private calls = 0;
  private nextId = 0;

  async call(options: ShardCall['options']): Promise<VirtualCallerResult> {
    if (!this.child || this.calls >= callsPerCallerProcess) {
      await this.stop();
      this.child = await forkCallerShard();
      this.calls = 0;
    }
    this.calls++;
    const child = this.child;
    const id = ++this.nextId;
    const result = await new Promise<ShardResult>((resolve, reject) => {
      const onMessage = (message: ShardResult) => {
        if (message.type !== 'result' || message.id !== id) return;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(message);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        this.child = undefined;
        reject(new Error(`the caller process exited (${code}) during the call`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'call', id, options, toneMs: 0 } satisfies ShardCall);
    });
    if (!result.heard) throw new Error(`the virtual caller failed: ${result.error ?? 'no result'}`);
    return result.heard;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'exit' });
    await exited;
  }
}

const median = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export async function benchSoak(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false, flowWorker: false });
  const bundlePath = `${await mkdtemp(`${tmpdir()}/switchboard-bundle-`)}/workflow-bundle.js`;
  await buildWorkflowBundle(bundlePath);
  const processes: Record<string, WorkerProcess> = {};
  const samples: Array<{ at: number; calls: number; rss: Record<string, number>; heap: Record<string, number>; external: Record<string, number> }> = [];
  let calls = 0;
  let correct = 0;
  let recycled = 0;
  /** Calls whose menu asked again (noInput) before the key came. */
  let keyRepeated = 0;
  let stopping = false;
  const failures: string[] = [];
  if (callerKind !== 'go' && callerKind !== 'node') throw new Error(`SOAK_CALLER=${callerKind}: expected node or go`);
  let goCallers: GoCallers | undefined;
  const laneCallers = Array.from({ length: lanes }, () => new RecycledCaller());
  /** One call's virtual caller: in its lane's caller process, or in the Go process. */
  const runCaller = async (laneIndex: number, options: ShardCall['options']): Promise<VirtualCallerResult> => {
    if (!goCallers) return (laneCallers[laneIndex] as RecycledCaller).call(options);
    const result = await goCallers.call(options, 0);
    if (!result.heard) throw new Error(`the virtual caller failed: ${result.error ?? 'no result'}`);
    return result.heard;
  };
  /** A failed call, reported as it happens (the benchmark also lists the first 20 at the end). */
  const fail = (line: string) => {
    failures.push(line);
    console.log(`soak: failed: ${line}`);
  };
  try {
    if (callerKind === 'go') goCallers = await GoCallers.start((await resolveTool('caller-go', { log: (line: string) => console.error(`[soak] ${line}`) })) as string);
    processes.flow = await startProcess('workers/flow-worker.ts', { ...stack.processEnv, LOG_LEVEL: 'warn', WORKFLOW_BUNDLE_PATH: bundlePath }, 'FLOW_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 });
    // The media pool: a worker that recycles (exit code 0) is replaced, as its supervisor would.
    const mediaEnv = { ...stack.processEnv, LOG_LEVEL: 'warn', MEDIA_RECYCLE_AFTER_CALLS: recycleAfterCalls };
    const startMedia = async (slot: string): Promise<void> => {
      const worker = await startProcess('workers/media-worker.ts', mediaEnv, 'MEDIA_WORKER_HEALTH_PORT', { startTimeoutMs: 180_000 });
      processes[slot] = worker;
      void worker.exited.then(({ code }) => {
        if (stopping || processes[slot] !== worker) return;
        delete processes[slot];
        if (code === 0) recycled++;
        else fail(`${slot} exited with code ${code}`);
        startMedia(slot).catch((error: Error) => fail(`${slot} did not start again: ${error.message}`));
      });
    };
    for (let i = 0; i < mediaWorkers; i++) await startMedia(`media${i}`);
    processes.api = await startProcess('api/server.ts', { ...stack.processEnv, LOG_LEVEL: 'warn' }, 'PORT', { startTimeoutMs: 180_000 });
    const api = processes.api.healthUrl.replace(/\/healthz$/, '');
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${api}${path}`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await response.json()) as Record<string, string>;
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const flow = await post('/api/flows', { name: 'Soak', graph: salesSupportSample.graph });
    await post(`/api/flows/${flow.id}/versions`, {});
    await post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });

    const started = Date.now();
    const endAt = started + minutes * 60_000;
    // Resident memory from /proc, and the V8 heap in use and the memory of array buffers outside it
    // from each process's /metrics: growth in the first but not the others is native memory
    // (rtc-node's Rust side, the allocator), not JS objects or audio buffers.
    const sample = async () => {
      const at = Date.now() - started;
      const rss = Object.fromEntries(
        Object.entries(processes).map(([name, p]) => {
          try {
            return [name, rssMb(p.child.pid as number)];
          } catch {
            return [name, NaN]; // it exited between the listing and the read
          }
        }),
      );
      const heapEntries = await Promise.all(
        Object.entries(processes).map(async ([name, p]) => {
          const text = await scrape(p.healthUrl.replace(/\/healthz$/, '/metrics')).catch(() => '');
          const mb = (metric: string) => (text ? metricValue(text, metric) / 2 ** 20 : NaN);
          return [name, mb('nodejs_heap_size_used_bytes'), mb('nodejs_external_memory_bytes')] as const;
        }),
      );
      const heap = Object.fromEntries(heapEntries.map(([name, used]) => [name, used]));
      const external = Object.fromEntries(heapEntries.map(([name, , outside]) => [name, outside]));
      samples.push({ at, calls, rss, heap, external });
      // The trend as it goes, every 5 minutes: resident/V8 heap/external (MB) per process.
      if (samples.length % 60 === 1) {
        console.log(
          `soak: ${(at / 60_000).toFixed(0)} min, ${calls} calls, ${failures.length} failed, ${keyRepeated} asked again, ${recycled} media workers recycled (rss/heap/external MB); ${Object.keys(heap)
            .map((name) => `${name} ${rss[name]?.toFixed(0)}/${heap[name]?.toFixed(0)}/${external[name]?.toFixed(0)}`)
            .join(', ')}`,
        );
      }
    };
    await sample();
    const sampler = setInterval(() => void sample(), SAMPLE_MS);
    const lane = async (laneIndex: number) => {
      while (Date.now() < endAt) {
        const roomName = uniqueName(`soak-${laneIndex}`);
        const caller = runCaller(laneIndex, { url: stack.liveKit.url, apiKey: stack.liveKit.apiKey, apiSecret: stack.liveKit.apiSecret, roomName, silenceHangoverMs: 1200, maxDurationMs: 90_000, script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }] });
        try {
          const call = await post('/api/calls', { roomName, calledNumber: NUMBER });
          const heard = await caller;
          const result = await stack.temporal.client.workflow.getHandle(call.workflowId as string).result();
          const response = await fetch(`${api}/api/calls/${encodeURIComponent(call.callId as string)}`, { headers: stack.authHeaders });
          const record = (await response.json()) as { events: Array<{ type: string; nodeId?: string; data?: Record<string, unknown> }> };
          const path = record.events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId).join('>');
          // The menu had to ask again: the key came after its timeout (what the caller heard says why).
          if (record.events.some((event) => event.type === 'noInput')) {
            keyRepeated++;
            const worker = record.events.find((event) => event.type === 'mediaAttached')?.data?.workerId;
            console.log(`soak: ${roomName}: the menu asked again (media worker ${String(worker)}); the caller heard prompts at ${heard.prompts.map((prompt) => `${prompt.startMs}–${prompt.endMs ?? '?'}`).join(', ')} ms after joining, pressed at ${heard.presses.map((press) => press.atMs).join(', ')} ms`);
          }
          if (result.endReason === 'completed' && heard.hungUpByAgent && path === 'welcome>mainMenu>support>goodbye') correct++;
          else fail(`${roomName}: ${result.endReason}, ${path}, caller ${heard.endReason}, heard ${heard.prompts.length} prompts, pressed ${heard.presses.length} keys`);
        } catch (error) {
          fail(`${roomName}: ${(error as Error).message}`);
          await caller.catch(() => undefined);
        }
        calls++;
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    clearInterval(sampler);
    await sample();
  } finally {
    stopping = true;
    for (const worker of Object.values(processes)) worker.child.kill('SIGKILL');
    await goCallers?.stop();
    await Promise.all(laneCallers.map((caller) => caller.stop()));
    await stack.stop();
  }
  for (const failure of failures.slice(0, 20)) console.log(`soak: ${failure}`);

  // After warm-up (the first quarter of the run): the median of the first quarter of the samples after it against the last quarter.
  const quarter = samples.filter((s) => s.at >= (minutes * 60_000) / 4);
  // A quarter of the samples after warm-up at each end: a recycling media pool saws up and down
  // (each worker grows until it is replaced), and short windows would catch a tooth.
  const head = quarter.slice(0, Math.max(1, Math.round(quarter.length / 4)));
  const tail = quarter.slice(-Math.max(1, Math.round(quarter.length / 4)));
  const callsBetween = (tail.at(-1)?.calls ?? 0) - (head[0]?.calls ?? 0);
  const figures: Figure[] = [
    { name: 'soak_minutes', value: minutes, unit: 'min', note: `${lanes} lanes of back-to-back calls, ${goCallers ? goCallers.description : `rtc-node callers, a process per lane replaced every ${callsPerCallerProcess} calls`}` },
    { name: 'soak_calls', value: calls, unit: 'calls' },
    { name: 'soak_calls_correct', value: correct, unit: 'calls', note: `of ${calls}` },
    { name: 'soak_calls_menu_asked_again', value: keyRepeated, unit: 'calls', note: 'the key came after the menu’s timeout (right path, but slower)' },
  ];
  figures.push({ name: 'soak_media_recycled', value: recycled, unit: 'workers', note: `${mediaWorkers} media workers, each recycled after ${recycleAfterCalls} calls (+ up to 20 %)` });
  /** The media workers' resident memory in one sample. */
  const mediaRss = (s: (typeof samples)[number]) => Object.entries(s.rss).filter(([name]) => name.startsWith('media')).map(([, mb]) => mb);
  // The pool's total only while every slot has a worker (not between a recycled worker's exit and its replacement's start).
  const poolRss = (s: (typeof samples)[number]) => {
    const workers = mediaRss(s);
    return workers.length === mediaWorkers ? workers.reduce((sum, mb) => sum + mb, 0) : NaN;
  };
  const growth = (name: string, label: string, of: (s: (typeof samples)[number]) => number = (s) => s.rss[name] as number) => {
    const from = median(head.map(of));
    const to = median(tail.map(of));
    figures.push(
      { name: `soak_rss_${name}_after_warmup`, value: Math.round(from), unit: 'MB', note: label },
      { name: `soak_rss_${name}_end`, value: Math.round(to), unit: 'MB' },
      { name: `soak_rss_${name}_growth`, value: Math.round(((to - from) / from) * 1000) / 10, unit: '%', note: 'over the last three quarters (target < 5 %)' },
      { name: `soak_rss_${name}_per_call`, value: callsBetween > 0 ? Math.round(((to - from) * 1024) / callsBetween) : NaN, unit: 'KB', note: `${callsBetween} calls` },
    );
  };
  growth('mediaPool', 'all media workers together', poolRss);
  figures.push({
    name: 'soak_rss_media_peak',
    value: Math.round(Math.max(...quarter.flatMap(mediaRss).filter(Number.isFinite))),
    unit: 'MB',
    note: 'the most any one media worker held after warm-up',
  });
  for (const name of ['flow', 'api']) {
    const heapFrom = median(head.map((s) => s.heap[name] as number));
    const heapTo = median(tail.map((s) => s.heap[name] as number));
    const externalFrom = median(head.map((s) => s.external[name] as number));
    const externalTo = median(tail.map((s) => s.external[name] as number));
    figures.push(
      { name: `soak_heap_${name}_after_warmup`, value: Math.round(heapFrom), unit: 'MB', note: 'V8 heap in use' },
      { name: `soak_heap_${name}_end`, value: Math.round(heapTo), unit: 'MB' },
      { name: `soak_external_${name}_after_warmup`, value: Math.round(externalFrom), unit: 'MB', note: 'array buffers outside the V8 heap' },
      { name: `soak_external_${name}_end`, value: Math.round(externalTo), unit: 'MB' },
    );
    growth(name, name === 'flow' ? 'flow worker' : 'API');
  }
  return figures;
}
