/**
 * Where a process's CPU goes, by thread, from /proc: the media worker's JavaScript runs on the main
 * thread, but most of a call's cost is rtc-node's native WebRTC threads (Opus encoding, the audio
 * device that decodes and mixes received audio, the network threads), which a JavaScript profile
 * does not see.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Readable groups of a media worker's threads, by the names the runtime and WebRTC give them. */
export const THREAD_GROUPS = [
  'js main thread',
  'node helpers (gc, thread pool: vad inference)',
  'opus encoding',
  'audio source clock',
  'audio device (decode, mix)',
  'webrtc network and worker threads',
  'rtc-node runtime',
  'other',
] as const;
export type ThreadGroup = (typeof THREAD_GROUPS)[number];

const TICKS_PER_SECOND = 100;

function groupOf(name: string, mainThread: boolean): ThreadGroup {
  if (mainThread) return 'js main thread';
  if (name === 'node' || name.startsWith('libuv') || name.startsWith('V8')) return 'node helpers (gc, thread pool: vad inference)';
  if (name.startsWith('AudioEncoder')) return 'opus encoding';
  if (name.startsWith('AudioSourceCapt')) return 'audio source clock';
  if (name.startsWith('SyntheticAudio')) return 'audio device (decode, mix)';
  if (/^(network_thread|worker_thread|signaling_threa|rtc-low-prio)/.test(name)) return 'webrtc network and worker threads';
  if (name.startsWith('tokio') || name.startsWith('livekit')) return 'rtc-node runtime';
  return 'other';
}

interface ThreadReading {
  tid: number;
  group: ThreadGroup;
  seconds: number;
}

/** CPU seconds (user + system) of each live thread of `pid` so far. */
function readThreads(pid: number): ThreadReading[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadReading[] = [];
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ tid: Number(tid), group: groupOf(name, Number(tid) === pid), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

/**
 * CPU seconds of `pid`'s threads by group while it runs: read every `everyMs` (WebRTC starts and
 * ends threads with each call, so one reading at the end would miss the calls' own threads; a
 * thread's last `everyMs` before it exits is missed). `stop()` gives the totals since `start`.
 */
export class ThreadCpuSampler {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, ThreadReading>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    for (const reading of readThreads(pid)) this.first.set(reading.tid, reading.seconds);
    this.timer = setInterval(() => this.read(), everyMs);
    this.timer.unref();
  }

  private read(): void {
    for (const reading of readThreads(this.pid)) {
      if (!this.first.has(reading.tid) && !this.last.has(reading.tid)) this.first.set(reading.tid, 0);
      this.last.set(reading.tid, reading);
    }
  }

  stop(): Map<ThreadGroup, number> {
    this.read();
    clearInterval(this.timer);
    const out = new Map<ThreadGroup, number>(THREAD_GROUPS.map((group) => [group, 0]));
    for (const [tid, reading] of this.last) out.set(reading.group, (out.get(reading.group) ?? 0) + reading.seconds - (this.first.get(tid) ?? 0));
    return out;
  }
}
