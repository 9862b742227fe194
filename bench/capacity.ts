/**
 * Media worker capacity: one media worker process takes waves of simultaneous calls. Each call
 * hears a continuous 4 s tone (an uploaded file, so any hole in it is an audio gap the caller
 * hears), then the sample menu; it presses 2, hears the support prompt and is hung up on. For each
 * wave: the longest audio gap inside the tone at any caller, how long callers wait after the key
 * (at the caller), the worker's own turn latency (its /metrics histogram), its CPU per minute of
 * call (`process_cpu_seconds_total`), and the worker's own count of prompt audio pushed over 40 ms
 * late (its `switchboard_playback_gap_seconds` histogram: the audio source ran dry before the next
 * frame) beside the gaps the callers measure.
 *
 * Without CAPACITY_LEVELS it searches for the largest wave the worker serves with every call
 * completed and no gap over CAPACITY_MAX_GAP_MS (40): doubling from 1 until a wave fails (or
 * CAPACITY_MAX is reached), then bisecting. With CAPACITY_LEVELS=1,4,8 it runs just those waves.
 * The callers run in this process, so on a small machine they compete with the worker for CPU:
 * the figure is what this machine sustains with callers and servers beside the worker.
 * `npm run bench -- capacity`
 */
import type { FlowGraphInput } from '@switchboard/flow-model';
import { runVirtualCaller } from '../tools/caller/virtual-caller';
import { encodeWav } from '../lib/wav';
import { metricValue, scrape } from '../test/support/metrics';
import { startProcess } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { percentile, type Figure } from './report';

const fixedLevels = process.env.CAPACITY_LEVELS?.split(',').map(Number).filter((n) => n > 0);
const maxLevel = Number(process.env.CAPACITY_MAX ?? 256);
const maxGapMs = Number(process.env.CAPACITY_MAX_GAP_MS ?? 40);
const NUMBER = '+14155550188';
const TONE_MS = 4_000;
const TONE_RATE = 16_000;
const CALLER_RATE = 16_000;

/** A 440 Hz tone: loud all through, so a quiet stretch inside it is a gap. */
function toneWav(): Uint8Array {
  const samples = new Int16Array((TONE_RATE * TONE_MS) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / TONE_RATE));
  return encodeWav({ sampleRate: TONE_RATE, samples });
}

function flowWithTone(assetId: string): FlowGraphInput {
  return {
    start: 'tone',
    nodes: [
      { id: 'tone', type: 'play', label: 'Tone', config: { assetId, interruptible: false } },
      {
        id: 'mainMenu',
        type: 'menu',
        label: 'Main menu',
        config: { prompt: 'Press 1 for sales, 2 for support.', options: [{ id: 'sales', digit: '1', label: 'Sales' }, { id: 'support', digit: '2', label: 'Support' }] },
      },
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

/**
 * Longest stretch inside the tone (received audio from its first loud sample, skipping `skipMs`) where 5 ms windows fall below a quarter of the tone's level: what the caller's jitter
 * buffer played as a hole in the audio. The audio is the frames as received, without padding for
 * late delivery (a busy caller process delivers late frames in a burst; a phone would not hear
 * that). Infinity when the tone was not heard.
 */
function longestGap(samples: Int16Array, sampleRate: number, skipMs = 30): { ms: number; atMs: number } {
  const start = samples.findIndex((sample) => Math.abs(sample) > 4_000);
  if (start < 0) return { ms: Infinity, atMs: 0 };
  const window = sampleRate / 200;
  const from = start + Math.floor((skipMs / 1000) * sampleRate);
  // The receiver's jitter buffer may speed playback up a little, so the tone may end early: a hole
  // counts when it starts within the first TONE_MS - 300 ms and sound follows it.
  const last = start + Math.floor(((TONE_MS - 300) / 1000) * sampleRate);
  const to = Math.min(samples.length, start + Math.floor(((TONE_MS + 1_500) / 1000) * sampleRate));
  if (Math.min(to, last) - from < sampleRate) return { ms: Infinity, atMs: 0 };
  const lastWindow = Math.floor((last - from) / window);
  const levels: number[] = [];
  for (let start = from; start + window <= to; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += (samples[i] as number) ** 2;
    levels.push(Math.sqrt(sum / window));
  }
  const floor = percentile(levels.slice(0, lastWindow), 50) / 4;
  let longest = 0;
  let endsAt = 0;
  let run = 0;
  for (const [index, level] of levels.entries()) {
    if (level < floor) {
      run++;
      continue;
    }
    if (run > longest && index - run < lastWindow) {
      longest = run;
      endsAt = index;
    }
    run = 0;
  }
  return { ms: longest * 5, atMs: skipMs + (endsAt - longest) * 5 };
}

interface Wave {
  level: number;
  /** The worker's playback gaps over 40 ms (switchboard_playback_gap_seconds). */
  workerGaps: number;
  completed: number;
  maxGapMs: number;
  maxSteadyGapMs: number;
  waits: number[];
  turnMeanMs: number;
  turns: number;
  cpuPerCallMinute: number;
  callMinutes: number;
  wallS: number;
}

export async function benchCapacity(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false });
  const worker = await startProcess('workers/media-worker.ts', { ...stack.processEnv, LOG_LEVEL: 'warn', MEDIA_MAX_CALLS: String(Math.max(100, maxLevel)) }, 'MEDIA_WORKER_HEALTH_PORT');
  const metricsUrl = worker.healthUrl.replace('/healthz', '/metrics');
  const figures: Figure[] = [];
  try {
    const upload = await fetch(`${stack.api}/api/assets?name=capacity-tone`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'audio/wav' }, body: Buffer.from(toneWav()) });
    if (!upload.ok) throw new Error(`tone upload failed: ${upload.status} ${await upload.text()}`);
    const asset = (await upload.json()) as { id: string };
    const flow = await stack.post('/api/flows', { name: 'Capacity', graph: flowWithTone(asset.id) });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });

    const runWave = async (level: number): Promise<Wave> => {
      const before = await scrape(metricsUrl);
      const startedAt = Date.now();
      const calls = Array.from({ length: level }, async () => {
        const roomName = uniqueName('capacity');
        // The first seconds as received: the tone is in them.
        const received = new Int16Array(CALLER_RATE * 8);
        let filled = 0;
        const caller = runVirtualCaller({
          ...stack.liveKit,
          roomName,
          sampleRate: CALLER_RATE,
          onAudio: (samples) => {
            if (filled >= received.length) return;
            const part = samples.subarray(0, received.length - filled);
            received.set(part, filled);
            filled += part.length;
          },
          silenceHangoverMs: 1200,
          maxDurationMs: 120_000,
          // The menu is interruptible: a key after the tone (or after tone and menu, when the
          // caller hears them as one stretch of sound) is taken by the menu.
          script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
        });
        await stack.post('/api/calls', { roomName, calledNumber: NUMBER });
        const heard = await caller;
        const audio = received.subarray(0, filled);
        const gap = longestGap(audio, CALLER_RATE);
        // The same past the tone's first 200 ms: holes while the caller's jitter buffer settles
        // on a stream that was silent are told apart from holes in steady playback.
        const steady = longestGap(audio, CALLER_RATE, 200);
        return { heard, gap: gap.ms, gapAtMs: gap.atMs, steadyGap: steady.ms };
      });
      const results = await Promise.all(calls);
      const after = await scrape(metricsUrl);
      const heard = results.map((result) => result.heard);
      const callMinutes = heard.reduce((sum, result) => sum + result.durationMs, 0) / 60_000;
      const cpu = metricValue(after, 'process_cpu_seconds_total') - metricValue(before, 'process_cpu_seconds_total');
      const turns = metricValue(after, 'switchboard_turn_latency_seconds_count') - metricValue(before, 'switchboard_turn_latency_seconds_count');
      const turnSum = metricValue(after, 'switchboard_turn_latency_seconds_sum') - metricValue(before, 'switchboard_turn_latency_seconds_sum');
      // Worker side: prompt audio pushed more than 40 ms after the source ran dry.
      const workerGaps =
        metricValue(after, 'switchboard_playback_gap_seconds_count') -
        metricValue(before, 'switchboard_playback_gap_seconds_count') -
        (metricValue(after, 'switchboard_playback_gap_seconds_bucket', { le: '0.04' }) - metricValue(before, 'switchboard_playback_gap_seconds_bucket', { le: '0.04' }));
      const wave: Wave = {
        level,
        workerGaps,
        completed: heard.filter((result) => result.hungUpByAgent && result.presses[0]?.digit === '2').length,
        maxGapMs: Math.max(...results.map((result) => result.gap)),
        maxSteadyGapMs: Math.max(...results.map((result) => result.steadyGap)),
        waits: heard.flatMap((result) => (result.presses[0]?.digitToNextPromptMs != null ? [result.presses[0].digitToNextPromptMs] : [])),
        turnMeanMs: turns ? Math.round((turnSum / turns) * 1000) : NaN,
        turns,
        cpuPerCallMinute: Math.round((cpu / callMinutes) * 100) / 100,
        callMinutes,
        wallS: (Date.now() - startedAt) / 1000,
      };
      const gaps = results.filter((result) => result.gap > 0).map((result) => `${result.gap} ms at ${result.gapAtMs} ms`);
      console.error(`[capacity] ${level} calls: ${wave.completed} completed, longest gap ${wave.maxGapMs} ms, ${workerGaps} worker gaps > 40 ms, ${wave.wallS.toFixed(1)} s${gaps.length ? ` (gaps: ${gaps.join(', ')})` : ''}`);
      return wave;
    };
    const serves = (wave: Wave) => wave.completed === wave.level && wave.maxGapMs <= maxGapMs;
    const servesSteadily = (wave: Wave) => wave.completed === wave.level && wave.maxSteadyGapMs <= maxGapMs;

    const waves: Wave[] = [];
    const byLevel = new Map<number, Wave>();
    const wave = async (level: number): Promise<Wave> => {
      let known = byLevel.get(level);
      if (!known) {
        known = await runWave(level);
        byLevel.set(level, known);
        waves.push(known);
      }
      return known;
    };
    /** Doubles until a wave fails (or `maxLevel`), then bisects: the largest level that passes. */
    const search = async (passes: (wave: Wave) => boolean): Promise<{ good: number; bad: number | undefined }> => {
      let good = 0;
      let bad: number | undefined;
      for (let level = 1; level <= maxLevel; level *= 2) {
        if (passes(await wave(level))) good = level;
        else {
          bad = level;
          break;
        }
      }
      while (bad !== undefined && bad - good > Math.max(1, Math.floor(good / 8))) {
        const level = Math.floor((good + bad) / 2);
        if (passes(await wave(level))) good = level;
        else bad = level;
      }
      return { good, bad };
    };
    if (fixedLevels) {
      for (const level of fixedLevels) await runWave(level).then((result) => waves.push(result));
    } else {
      const strict = await search(serves);
      const steady = await search(servesSteadily);
      const note = (result: { bad: number | undefined }) => (result.bad === undefined ? `did not fail up to ${maxLevel}` : `${result.bad} failed`);
      figures.push(
        {
          name: 'capacity_max_callers_no_gap',
          value: strict.good,
          unit: 'calls',
          note: `largest wave with every call completed and no gap > ${maxGapMs} ms anywhere in its tone; ${note(strict)}; callers and servers on the same machine`,
        },
        {
          name: 'capacity_max_callers_no_gap_after_onset',
          value: steady.good,
          unit: 'calls',
          note: `the same, ignoring the tone's first 200 ms; ${note(steady)}`,
        },
      );
    }
    waves.sort((a, b) => a.level - b.level);
    for (const wave of waves) {
      figures.push(
        { name: `capacity_c${wave.level}_completed`, value: wave.completed, unit: 'calls', note: `of ${wave.level} at once, ${wave.wallS.toFixed(1)} s` },
        { name: `capacity_c${wave.level}_max_gap`, value: Number.isFinite(wave.maxGapMs) ? wave.maxGapMs : -1, unit: 'ms', note: 'longest hole in the tone at any caller (-1: a caller did not hear it)' },
        { name: `capacity_c${wave.level}_max_gap_after_onset`, value: Number.isFinite(wave.maxSteadyGapMs) ? wave.maxSteadyGapMs : -1, unit: 'ms', note: 'the same, past the tone\'s first 200 ms' },
        { name: `capacity_c${wave.level}_gaps_over_40ms`, value: wave.workerGaps, unit: 'gaps', note: 'media worker histogram: prompt audio it pushed more than 40 ms late (heard as a break)' },
        { name: `capacity_c${wave.level}_digit_to_prompt_p95`, value: Math.round(percentile(wave.waits, 95)), unit: 'ms', note: `at the caller, n=${wave.waits.length}` },
        { name: `capacity_c${wave.level}_turn_latency_mean`, value: wave.turnMeanMs, unit: 'ms', note: `media worker histogram, n=${wave.turns}` },
        { name: `capacity_c${wave.level}_cpu_per_call_minute`, value: wave.cpuPerCallMinute, unit: 's', note: `media worker CPU s per minute of call (${wave.callMinutes.toFixed(2)} call-min)` },
      );
    }
  } finally {
    worker.child.kill('SIGKILL');
    await worker.exited;
    await stack.stop();
  }
  return figures;
}
