/**
 * Media worker capacity. Media worker processes (CAPACITY_WORKERS, default 1) take waves of
 * simultaneous calls from virtual callers in processes of their own, so the callers' CPU is counted
 * apart from the workers': CAPACITY_CALLER=go (the default when tools/caller-go builds) runs them all
 * in one Go process (bench/support/go-callers.ts), CAPACITY_CALLER=node in CAPACITY_CALLER_PROCESSES
 * (default 2) Node processes (bench/support/caller-shard.ts). Three call profiles:
 *
 * - **wave** (the gap search): a continuous 4 s tone (an uploaded file, so any hole in it is an audio
 *   gap the caller hears), then the sample menu; the caller presses 2, hears the support prompt and
 *   is hung up on. Without CAPACITY_LEVELS it searches for the largest wave served with every call
 *   completed and no gap over CAPACITY_MAX_GAP_MS (40) past the tone's first 200 ms: doubling from 1
 *   until a wave fails (or CAPACITY_MAX), then bisecting. CAPACITY_LEVELS=1,4,8 runs just those waves.
 * - **long** (CPU per call-minute): CAPACITY_LONG_CALLS (default 8) calls of about 75 s each, mixing
 *   prompt playback (tone, menu, a long announcement), listening (a spoken menu, so Silero VAD runs
 *   for 30 s while the caller is silent) and DTMF detection (in-band all call, a key at the end).
 * - **short** (the fixed cost of a call: join, publish, leave): CAPACITY_SHORT_CALLS (default 12)
 *   calls that are only a one-word farewell, two at a time.
 *
 * CPU comes from each process's own counters (`process_cpu_seconds_total` of the workers, the
 * callers' `process.cpuUsage()` or getrusage); event-loop delay from the workers' `nodejs_eventloop_lag_p99_seconds`.
 * CAPACITY_STAGES=wave,long,short picks stages; CAPACITY_WORKER_ROOT runs the worker from another
 * checkout (a before/after comparison with the same callers); CAPACITY_CPU_PROF_DIR profiles the
 * workers (`node --cpu-prof`, written when they drain at the end).
 * `npm run bench -- capacity`
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FlowGraphInput } from '@switchboard/flow-model';
import type { VirtualCallerResult } from '../tools/caller/virtual-caller';
// @ts-expect-error plain .mjs helper without types
import { resolveTool } from '../scripts/lib/tools.mjs';
import { encodeWav } from '../lib/wav';
import { metricValue, scrape } from '../test/support/metrics';
import { startProcess, type WorkerProcess } from '../test/support/processes';
import { startStack, type Stack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { percentile, type Figure } from './report';
import type { ShardCall, ShardResult } from './support/caller-shard';
import { THREAD_GROUPS, ThreadCpuSampler, type ThreadGroup } from './support/thread-cpu';
import { GoCallers, type Callers } from './support/go-callers';
import { forkCallerShard } from './support/fork-caller-shard';

const fixedLevels = process.env.CAPACITY_LEVELS?.split(',').map(Number).filter((n) => n > 0);
const maxLevel = Number(process.env.CAPACITY_MAX ?? 256);
const maxGapMs = Number(process.env.CAPACITY_MAX_GAP_MS ?? 40);
const workerCount = Number(process.env.CAPACITY_WORKERS ?? 1);
const callerProcesses = Number(process.env.CAPACITY_CALLER_PROCESSES ?? 2);
const callerKind = process.env.CAPACITY_CALLER;
const longCalls = Number(process.env.CAPACITY_LONG_CALLS ?? 8);
const shortCalls = Number(process.env.CAPACITY_SHORT_CALLS ?? 12);
const stages = new Set((process.env.CAPACITY_STAGES ?? 'wave,long,short').split(','));
const workerRoot = process.env.CAPACITY_WORKER_ROOT;
const profileDir = process.env.CAPACITY_CPU_PROF_DIR;
/** A 2-core media host, loaded to this share of its CPU, in the projection. */
const HOST_CORES = 2;
const HOST_LOAD = 0.6;
const TONE_MS = 4_000;
const TONE_RATE = 16_000;
const CALLER_RATE = 16_000;
/** How long the workers' idle CPU is measured, before the first call. */
const IDLE_MS = 10_000;
/** How long the long profile's caller stays silent in the spoken menu (VAD listening). */
const LONG_LISTEN_MS = 30_000;
const NUMBERS = { wave: '+14155550188', long: '+14155550189', short: '+14155550187' } as const;
type Profile = keyof typeof NUMBERS;

/** A 440 Hz tone: loud all through, so a quiet stretch inside it is a gap. */
function toneWav(): Uint8Array {
  const samples = new Int16Array((TONE_RATE * TONE_MS) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / TONE_RATE));
  return encodeWav({ sampleRate: TONE_RATE, samples });
}

const menuOptions = [
  { id: 'sales', digit: '1', label: 'Sales' },
  { id: 'support', digit: '2', label: 'Support' },
];

function waveFlow(assetId: string): FlowGraphInput {
  return {
    start: 'tone',
    nodes: [
      { id: 'tone', type: 'play', label: 'Tone', config: { assetId, interruptible: false } },
      { id: 'mainMenu', type: 'menu', label: 'Main menu', config: { prompt: 'Press 1 for sales, 2 for support.', options: menuOptions } },
      { id: 'support', type: 'greet', label: 'Support', config: { text: 'You have reached support.' } },
      { id: 'goodbye', type: 'hangup', label: 'Goodbye', config: { farewell: 'Goodbye.' } },
    ],
    edges: [
      { from: 'tone', exit: 'next', to: 'mainMenu' },
      { from: 'mainMenu', exit: 'sales', to: 'goodbye' },
      { from: 'mainMenu', exit: 'support', to: 'support' },
      { from: 'mainMenu', exit: 'noInput', to: 'goodbye' },
      { from: 'mainMenu', exit: 'noMatch', to: 'goodbye' },
      { from: 'support', exit: 'next', to: 'goodbye' },
    ],
  };
}

const ANNOUNCEMENT =
  'Thank you for calling. Our opening hours are Monday to Friday, nine in the morning to six in the evening, and Saturday from ten to two. ' +
  'You can find answers to the most common questions on our website, where you can also follow your order, change your address, or ask for a call back. ' +
  'If you are calling about an order, please have your order number ready. Calls may be recorded for training. Please hold while we connect you.';

/** About 75 s: tone, a spoken menu the caller listens to in silence for 30 s before pressing 2, a long announcement. */
function longFlow(assetId: string): FlowGraphInput {
  return {
    start: 'tone',
    nodes: [
      { id: 'tone', type: 'play', label: 'Tone', config: { assetId, interruptible: false } },
      {
        id: 'mainMenu',
        type: 'menu',
        label: 'Main menu',
        config: { prompt: 'Press or say 1 for sales, 2 for support.', options: menuOptions, speech: true, timeoutMs: LONG_LISTEN_MS + 15_000, retries: 0 },
      },
      { id: 'support', type: 'greet', label: 'Announcement', config: { text: ANNOUNCEMENT } },
      { id: 'goodbye', type: 'hangup', label: 'Goodbye', config: { farewell: 'Goodbye.' } },
    ],
    edges: [
      { from: 'tone', exit: 'next', to: 'mainMenu' },
      { from: 'mainMenu', exit: 'sales', to: 'goodbye' },
      { from: 'mainMenu', exit: 'support', to: 'support' },
      { from: 'mainMenu', exit: 'noInput', to: 'goodbye' },
      { from: 'mainMenu', exit: 'noMatch', to: 'goodbye' },
      { from: 'support', exit: 'next', to: 'goodbye' },
    ],
  };
}

function shortFlow(): FlowGraphInput {
  return { start: 'goodbye', nodes: [{ id: 'goodbye', type: 'hangup', label: 'Goodbye', config: { farewell: 'Bye.' } }], edges: [] };
}

/** The Node callers' processes; calls are dealt out round-robin. */
class CallerShards implements Callers {
  readonly description = `${callerProcesses} Node processes (bench/support/caller-shard.ts)`;
  private next = 0;
  private nextId = 0;
  private readonly pending = new Map<number, (result: ShardResult) => void>();
  private readonly cpuWaiters: Array<(seconds: number) => void> = [];

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (message: ShardResult | { type: 'cpu'; seconds: number }) => {
        if (message.type === 'result') {
          this.pending.get(message.id)?.(message);
          this.pending.delete(message.id);
        } else if (message.type === 'cpu') this.cpuWaiters.shift()?.(message.seconds);
      });
    }
  }

  static async start(count: number): Promise<CallerShards> {
    const children = await Promise.all(Array.from({ length: count }, () => forkCallerShard()));
    return new CallerShards(children);
  }

  call(options: ShardCall['options'], toneMs: number): Promise<ShardResult> {
    const id = ++this.nextId;
    const child = this.children[this.next++ % this.children.length] as ChildProcess;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.send({ type: 'call', id, options, toneMs } satisfies ShardCall);
    });
  }

  /** CPU seconds all caller processes have used so far. */
  async cpuSeconds(): Promise<number> {
    const each = await Promise.all(
      this.children.map((child) => {
        const answer = new Promise<number>((resolve) => this.cpuWaiters.push(resolve));
        child.send({ type: 'cpu' });
        return answer;
      }),
    );
    return each.reduce((sum, seconds) => sum + seconds, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send({ type: 'exit' });
        return exited;
      }),
    );
  }
}

/**
 * The Go callers unless CAPACITY_CALLER=node; without CAPACITY_CALLER, a Go caller that cannot be
 * built or started falls back to the Node callers, with a line saying why.
 */
async function startCallers(): Promise<Callers> {
  if (callerKind === 'node') return CallerShards.start(callerProcesses);
  if (callerKind !== undefined && callerKind !== 'go') throw new Error(`CAPACITY_CALLER=${callerKind}: expected go or node`);
  try {
    const binary = (await resolveTool('caller-go', { log: (line: string) => console.error(`[capacity] ${line}`) })) as string;
    return await GoCallers.start(binary);
  } catch (error) {
    if (callerKind === 'go') throw error;
    console.error(`[capacity] the Go callers are not available, so the Node callers run instead (as with CAPACITY_CALLER=node): ${(error as Error).message}`);
    return CallerShards.start(callerProcesses);
  }
}

interface Wave {
  profile: Profile;
  level: number;
  /** The workers' playback gaps over 40 ms (switchboard_playback_gap_seconds). */
  workerGaps: number;
  completed: number;
  errors: string[];
  maxGapMs: number;
  maxSteadyGapMs: number;
  waits: number[];
  turnMeanMs: number;
  turns: number;
  workerCpu: number;
  callerCpu: number;
  /** This process: API, flow worker and the benchmark. */
  stackCpu: number;
  callMinutes: number;
  /** The workers' CPU seconds by thread group (JavaScript, Opus, audio device, WebRTC network…). */
  workerThreads: Map<ThreadGroup, number>;
  /** Worst event-loop delay p99 over the workers during the wave. */
  eventLoopP99Ms: number;
  wallS: number;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

async function startWorkers(stack: Stack): Promise<WorkerProcess[]> {
  const file = workerRoot ? join(workerRoot, 'workers/media-worker.ts') : 'workers/media-worker.ts';
  return Promise.all(
    Array.from({ length: workerCount }, () =>
      startProcess(
        file,
        {
          ...stack.processEnv,
          LOG_LEVEL: 'warn',
          MEDIA_MAX_CALLS: String(Math.max(100, maxLevel)),
          MEDIA_DRAIN_TIMEOUT_MS: '5000',
        },
        'MEDIA_WORKER_HEALTH_PORT',
        { nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
      ),
    ),
  );
}

export async function benchCapacity(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false });
  const workers = await startWorkers(stack);
  const metricsUrls = workers.map((worker) => worker.healthUrl.replace('/healthz', '/metrics'));
  const shards = await startCallers();
  console.error(`[capacity] virtual callers: ${shards.description}`);
  const figures: Figure[] = [];
  try {
    const upload = await fetch(`${stack.api}/api/assets?name=capacity-tone`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'audio/wav' }, body: Buffer.from(toneWav()) });
    if (!upload.ok) throw new Error(`tone upload failed: ${upload.status} ${await upload.text()}`);
    const asset = (await upload.json()) as { id: string };
    for (const [profile, graph] of [
      ['wave', waveFlow(asset.id)],
      ['long', longFlow(asset.id)],
      ['short', shortFlow()],
    ] as const) {
      const flow = await stack.post('/api/flows', { name: `Capacity ${profile}`, graph });
      await stack.post(`/api/flows/${flow.id}/versions`, {});
      await stack.post('/api/phone-triggers', { phoneNumber: NUMBERS[profile], flowId: flow.id });
    }

    const sum = (texts: string[], name: string, labels?: Record<string, string>) => texts.reduce((total, text) => total + metricValue(text, name, labels), 0);
    // A worker that cannot be scraped has most likely died: say so, with the end of what it printed.
    const scrapeAll = () =>
      Promise.all(
        metricsUrls.map((url, i) =>
          scrape(url).catch((error: unknown) => {
            const worker = workers[i];
            const exit = worker?.child.exitCode ?? worker?.child.signalCode;
            throw new Error(`media worker ${i + 1} could not be scraped (${exit != null ? `it exited: ${exit}` : 'still running'}); its last output:\n${worker?.output().slice(-4_000) ?? ''}`, { cause: error });
          }),
        ),
      );

    const place = async (profile: Profile): Promise<ShardResult> => {
      const roomName = uniqueName(`capacity-${profile}`);
      const script: ShardCall['options']['script'] =
        profile === 'short'
          ? []
          : profile === 'long'
            ? // Silent for LONG_LISTEN_MS after the tone (and the menu, when heard as one stretch of sound).
              [{ press: '2', after: 'promptEnd', delayMs: LONG_LISTEN_MS }, { waitForPrompt: true }]
            : // The menu is interruptible: a key after the tone (or after tone and menu, when the caller
              // hears them as one stretch of sound) is taken by the menu.
              [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }];
      const { url, apiKey, apiSecret } = stack.liveKit;
      const calling = shards.call({ url, apiKey, apiSecret, roomName, sampleRate: CALLER_RATE, silenceHangoverMs: 1200, maxDurationMs: 150_000, script }, TONE_MS);
      await stack.post('/api/calls', { roomName, calledNumber: NUMBERS[profile] });
      return calling;
    };

    /** `level` calls at once; with `lanes`, `level` calls back to back in that many lanes. */
    const runWave = async (profile: Profile, level: number, lanes = level): Promise<Wave> => {
      const before = await scrapeAll();
      const threadSamplers = workers.map((worker) => new ThreadCpuSampler(worker.child.pid ?? 0));
      const callerBefore = await shards.cpuSeconds();
      const stackBefore = process.cpuUsage();
      const startedAt = Date.now();
      const results: ShardResult[] = [];
      let dealt = 0;
      await Promise.all(
        Array.from({ length: Math.min(lanes, level) }, async () => {
          while (dealt < level) {
            dealt++;
            results.push(await place(profile));
          }
        }),
      );
      const stackUsage = process.cpuUsage(stackBefore);
      const callerCpu = (await shards.cpuSeconds()) - callerBefore;
      const after = await scrapeAll();
      const workerThreads = new Map<ThreadGroup, number>();
      for (const sampler of threadSamplers) for (const [group, seconds] of sampler.stop()) workerThreads.set(group, (workerThreads.get(group) ?? 0) + seconds);
      const heard = results.flatMap((result) => (result.heard ? [result.heard] : []));
      const callMinutes = heard.reduce((total, result) => total + result.durationMs, 0) / 60_000;
      const delta = (name: string, labels?: Record<string, string>) => sum(after, name, labels) - sum(before, name, labels);
      const turns = delta('switchboard_turn_latency_seconds_count');
      const expectedDigit = profile === 'short' ? undefined : '2';
      const completed = (result: VirtualCallerResult) => result.hungUpByAgent && result.presses[0]?.digit === expectedDigit;
      const wave: Wave = {
        profile,
        level,
        workerGaps: delta('switchboard_playback_gap_seconds_count') - delta('switchboard_playback_gap_seconds_bucket', { le: '0.04' }),
        completed: heard.filter(completed).length,
        errors: results.flatMap((result) => (result.error ? [result.error] : [])),
        maxGapMs: profile === 'short' ? 0 : Math.max(...results.map((result) => result.gapMs)),
        maxSteadyGapMs: profile === 'short' ? 0 : Math.max(...results.map((result) => result.steadyGapMs)),
        waits: heard.flatMap((result) => (result.presses[0]?.digitToNextPromptMs != null ? [result.presses[0].digitToNextPromptMs] : [])),
        turnMeanMs: turns ? Math.round((delta('switchboard_turn_latency_seconds_sum') / turns) * 1000) : NaN,
        turns,
        workerCpu: delta('process_cpu_seconds_total'),
        workerThreads,
        callerCpu,
        stackCpu: (stackUsage.user + stackUsage.system) / 1e6,
        callMinutes,
        eventLoopP99Ms: Math.round(Math.max(...after.map((text) => metricValue(text, 'nodejs_eventloop_lag_p99_seconds'))) * 1000),
        wallS: (Date.now() - startedAt) / 1000,
      };
      const gaps = results.filter((result) => result.gapMs > 0).map((result) => `${result.gapMs} ms at ${result.gapAtMs} ms`);
      console.error(
        `[capacity] ${profile} ${level} calls: ${wave.completed} completed, longest gap ${wave.maxGapMs} ms (${wave.maxSteadyGapMs} past onset), ` +
          `${wave.workerGaps} worker gaps > 40 ms, worker CPU ${wave.workerCpu.toFixed(1)} s, callers ${callerCpu.toFixed(1)} s, ` +
          `loop p99 ${wave.eventLoopP99Ms} ms, ${wave.wallS.toFixed(1)} s${wave.errors.length ? `; errors: ${wave.errors.join('; ')}` : ''}${gaps.length ? ` (gaps: ${gaps.join(', ')})` : ''}`,
      );
      return wave;
    };
    const cleanly = (wave: Wave) => wave.completed === wave.level && wave.maxSteadyGapMs <= maxGapMs;
    const strictly = (wave: Wave) => cleanly(wave) && wave.maxGapMs <= maxGapMs;

    // What the workers use before any call (Temporal polling, rtc-node's audio device): not a call's cost.
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // start-up work (prompt caching) settles
    const idleBefore = await scrapeAll();
    const idleStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idlePerSecond = (sum(await scrapeAll(), 'process_cpu_seconds_total') - sum(idleBefore, 'process_cpu_seconds_total')) / ((Date.now() - idleStart) / 1000);

    const waves: Wave[] = [];
    if (stages.has('wave')) {
      const byLevel = new Map<number, Wave>();
      const wave = async (level: number): Promise<Wave> => {
        let known = byLevel.get(level);
        if (!known) {
          known = await runWave('wave', level);
          byLevel.set(level, known);
          waves.push(known);
        }
        return known;
      };
      if (fixedLevels) {
        for (const level of fixedLevels) await wave(level);
      } else {
        // Doubles until a wave fails (or maxLevel), then bisects: the largest level that passes.
        let good = 0;
        let bad: number | undefined;
        for (let level = 1; level <= maxLevel; level *= 2) {
          if (cleanly(await wave(level))) good = level;
          else {
            bad = level;
            break;
          }
        }
        while (bad !== undefined && bad - good > Math.max(1, Math.floor(good / 8))) {
          const level = Math.floor((good + bad) / 2);
          if (cleanly(await wave(level))) good = level;
          else bad = level;
        }
        figures.push({
          name: 'capacity_largest_clean_wave',
          value: good,
          unit: 'calls',
          note: `every call completed, no gap > ${maxGapMs} ms past the tone's first 200 ms; ${bad === undefined ? `did not fail up to ${maxLevel}` : `${bad} failed`}; ${workerCount} worker process(es), callers and servers on this machine`,
        });
      }
      const largest = waves.filter(cleanly).sort((a, b) => b.level - a.level)[0];
      const strict = waves.filter(strictly).sort((a, b) => b.level - a.level)[0];
      figures.push({ name: 'capacity_largest_wave_no_gap_from_onset', value: strict?.level ?? 0, unit: 'calls', note: 'the same, counting the tone\'s first 200 ms (of the waves run)' });
      if (largest) {
        figures.push(
          { name: 'capacity_digit_to_prompt_p95_at_largest_wave', value: Math.round(percentile(largest.waits, 95)), unit: 'ms', note: `${largest.level} calls, at the caller` },
          { name: 'media_event_loop_delay_p99_at_largest_wave', value: largest.eventLoopP99Ms, unit: 'ms', note: `${largest.level} calls, worst worker process` },
        );
      }
    }
    if (stages.has('long')) {
      const long = await runWave('long', longCalls);
      waves.push(long);
      const perMinute = long.workerCpu / long.callMinutes;
      figures.push(
        { name: 'media_cpu_s_per_call_minute', value: round2(perMinute), unit: 's', note: `media worker processes, ${long.level} calls of ${(long.callMinutes / long.level).toFixed(1)} min (playback, VAD listening, DTMF); ${long.completed} completed` },
        { name: 'callers_cpu_s_per_call_minute', value: round2(long.callerCpu / long.callMinutes), unit: 's', note: `the virtual callers, ${shards.description}` },
        { name: 'media_event_loop_delay_p99_long_calls', value: long.eventLoopP99Ms, unit: 'ms', note: `${long.level} long calls, worst worker process` },
        // Where the worker's CPU goes, by thread: most of it is rtc-node's native WebRTC work, which
        // a JavaScript profile does not show.
        ...THREAD_GROUPS.map((group) => {
          const seconds = long.workerThreads.get(group) ?? 0;
          const total = [...long.workerThreads.values()].reduce((a, b) => a + b, 0);
          return {
            name: `media_threads_${group.split(' (')[0]?.replace(/[^a-z0-9]+/g, '_')}_cpu_s_per_call_minute`,
            value: round2(seconds / long.callMinutes),
            unit: 's',
            note: `${group}: ${total > 0 ? Math.round((seconds / total) * 100) : 0} % of the worker's thread CPU`,
          };
        }),
        {
          name: 'media_projected_calls_per_host',
          value: Math.floor((HOST_CORES * HOST_LOAD * 60) / perMinute),
          unit: 'calls',
          note: `${HOST_CORES} cores × ${HOST_LOAD * 100} % × 60 s / ${round2(perMinute)} CPU-s per call-minute (docs/performance.md)`,
        },
      );
    }
    if (stages.has('short')) {
      const short = await runWave('short', shortCalls, 2);
      waves.push(short);
      figures.push(
        {
          name: 'media_fixed_cpu_s_per_call',
          value: round2((short.workerCpu - idlePerSecond * short.wallS) / short.level),
          unit: 's',
          note: `media worker CPU per call of a one-word farewell (join, publish, leave), ${short.level} calls two at a time, less the idle CPU; ${short.completed} completed`,
        },
        { name: 'media_idle_cpu_s_per_s', value: Math.round(idlePerSecond * 1000) / 1000, unit: 's', note: `${workerCount} worker process(es) with no call, over ${IDLE_MS / 1000} s before the first call` },
      );
    }

    for (const wave of waves) {
      const tag = `capacity_${wave.profile}_c${wave.level}`;
      figures.push(
        { name: `${tag}_completed`, value: wave.completed, unit: 'calls', note: `of ${wave.level}, ${wave.wallS.toFixed(1)} s` },
        { name: `${tag}_max_gap_after_onset`, value: Number.isFinite(wave.maxSteadyGapMs) ? wave.maxSteadyGapMs : -1, unit: 'ms', note: 'longest hole in the tone past its first 200 ms at any caller (-1: a caller did not hear it)' },
        { name: `${tag}_max_gap`, value: Number.isFinite(wave.maxGapMs) ? wave.maxGapMs : -1, unit: 'ms', note: 'the same from the tone\'s start' },
        { name: `${tag}_gaps_over_40ms`, value: wave.workerGaps, unit: 'gaps', note: 'media worker histogram: prompt audio pushed more than 40 ms late' },
        { name: `${tag}_digit_to_prompt_p95`, value: Math.round(percentile(wave.waits, 95)), unit: 'ms', note: `at the caller, n=${wave.waits.length}` },
        { name: `${tag}_turn_latency_mean`, value: wave.turnMeanMs, unit: 'ms', note: `media worker histogram, n=${wave.turns}` },
        { name: `${tag}_worker_cpu_per_call_minute`, value: round2(wave.workerCpu / wave.callMinutes), unit: 's', note: `${wave.callMinutes.toFixed(2)} call-min` },
        { name: `${tag}_caller_cpu_per_call_minute`, value: round2(wave.callerCpu / wave.callMinutes), unit: 's', note: shards.description },
        { name: `${tag}_stack_cpu_per_call_minute`, value: round2(wave.stackCpu / wave.callMinutes), unit: 's', note: 'API + flow worker + benchmark process' },
        { name: `${tag}_event_loop_p99`, value: wave.eventLoopP99Ms, unit: 'ms', note: 'worst media worker process' },
      );
    }
  } finally {
    await shards.stop().catch(() => {});
    // Profiled workers drain (SIGTERM) so they write their profile; one that does not stop in 30 s is killed.
    for (const worker of workers) worker.child.kill(profileDir ? 'SIGTERM' : 'SIGKILL');
    const stopped = Promise.all(workers.map((worker) => worker.exited));
    const deadline = setTimeout(() => workers.forEach((worker) => worker.child.kill('SIGKILL')), 30_000);
    await stopped;
    clearTimeout(deadline);
    await stack.stop();
  }
  return figures;
}
