/**
 * A process of virtual callers for the capacity benchmark: the benchmark forks a few of these and
 * deals its calls out among them, so the callers' own work (rtc-node, Opus, listening to every frame)
 * is spread over processes and counted apart from the media worker's. Over IPC it takes
 * `{ type: 'call', id, options }` and answers `{ type: 'result', id, … }` with what the caller heard
 * and the longest holes in the tone (see {@link longestGap}); `{ type: 'cpu' }` answers with this
 * process's CPU seconds so far.
 */
import { runVirtualCaller, type VirtualCallerOptions, type VirtualCallerResult } from '../../tools/caller/virtual-caller';
import { percentile } from '../report';

export interface ShardCall {
  type: 'call';
  id: number;
  options: Omit<VirtualCallerOptions, 'onAudio' | 'signal' | 'onEvent'>;
  /** Length of the tone whose holes are measured, and of the audio kept for it. */
  toneMs: number;
}

export interface ShardResult {
  type: 'result';
  id: number;
  heard?: VirtualCallerResult;
  error?: string;
  /** Longest hole in the tone (Infinity: not heard), where it was, and the same past its first 200 ms. */
  gapMs: number;
  gapAtMs: number;
  steadyGapMs: number;
}

export type ShardMessage = ShardCall | { type: 'cpu' } | { type: 'exit' };

/**
 * Longest stretch inside the tone (received audio from its first loud sample, skipping `skipMs`)
 * where 5 ms windows fall below a quarter of the tone's level: what the caller's jitter buffer
 * played as a hole in the audio. The audio is the frames as received, without padding for late
 * delivery (a busy caller process delivers late frames in a burst; a phone would not hear that).
 * Infinity when the tone was not heard.
 */
export function longestGap(samples: Int16Array, sampleRate: number, toneMs: number, skipMs = 30): { ms: number; atMs: number } {
  let start = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i] as number) > 4_000) {
      start = i;
      break;
    }
  }
  if (start < 0) return { ms: Infinity, atMs: 0 };
  const window = sampleRate / 200;
  const from = start + Math.floor((skipMs / 1000) * sampleRate);
  // The receiver's jitter buffer may speed playback up a little, so the tone may end early: a hole
  // counts when it starts within the first toneMs - 300 ms and sound follows it.
  const last = start + Math.floor(((toneMs - 300) / 1000) * sampleRate);
  const to = Math.min(samples.length, start + Math.floor(((toneMs + 1_500) / 1000) * sampleRate));
  if (Math.min(to, last) - from < sampleRate) return { ms: Infinity, atMs: 0 };
  const lastWindow = Math.floor((last - from) / window);
  const levels: number[] = [];
  for (let at = from; at + window <= to; at += window) {
    let sum = 0;
    for (let i = at; i < at + window; i++) sum += (samples[i] as number) ** 2;
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

async function runCall(message: ShardCall): Promise<ShardResult> {
  const rate = message.options.sampleRate ?? 16_000;
  // The first seconds as received: the tone is in them.
  const received = new Int16Array(Math.ceil((rate * (message.toneMs + 4_000)) / 1000));
  let filled = 0;
  try {
    const heard = await runVirtualCaller({
      ...message.options,
      onAudio: (samples) => {
        if (filled >= received.length) return;
        const part = samples.subarray(0, received.length - filled);
        received.set(part, filled);
        filled += part.length;
      },
    });
    const audio = received.subarray(0, filled);
    const gap = longestGap(audio, rate, message.toneMs);
    // Past the tone's first 200 ms: holes while the caller's jitter buffer settles on a stream that
    // was silent are told apart from holes in steady playback.
    const steady = longestGap(audio, rate, message.toneMs, 200);
    return { type: 'result', id: message.id, heard, gapMs: gap.ms, gapAtMs: gap.atMs, steadyGapMs: steady.ms };
  } catch (error) {
    return { type: 'result', id: message.id, error: (error as Error).message, gapMs: Infinity, gapAtMs: 0, steadyGapMs: Infinity };
  }
}

if (process.send) {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message: ShardMessage) => {
    if (message.type === 'call') void runCall(message).then(send);
    else if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      send({ type: 'cpu', seconds: (usage.user + usage.system) / 1e6 });
    } else if (message.type === 'exit') process.exit(0);
  });
  send({ type: 'ready' });
}
