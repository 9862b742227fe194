/**
 * Records both sides of a call on one media worker: the caller (left channel) and what the call
 * plays to them (right channel), on one clock, as a stereo 16 kHz WAV. The part so far is saved
 * every `flushEveryMs`, so a worker that dies mid-call leaves its part up to the last save; the
 * next worker records the next part (see docs/events.md, `recordingStarted`).
 */
import wavefile from 'wavefile';
import { resample } from './audio/index.js';
import type { AgentAudioListener, CallerAudioListener } from './types.js';

const { WaveFile } = wavefile;

/** Rate of a stored recording (the caller's audio arrives at it). */
export const RECORDING_SAMPLE_RATE = 16_000;

/** A growable run of 16-bit samples written at given positions. */
class Track {
  private data: Int16Array;
  length = 0;

  constructor(initial = RECORDING_SAMPLE_RATE * 10) {
    this.data = new Int16Array(initial);
  }

  private ensure(size: number): void {
    if (size <= this.data.length) return;
    let capacity = this.data.length;
    while (capacity < size) capacity *= 2;
    const grown = new Int16Array(capacity);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  /** Writes `samples` at `position`, leaving silence before it when it is past the end. */
  write(position: number, samples: Int16Array): void {
    const at = Math.max(0, Math.round(position));
    this.ensure(at + samples.length);
    this.data.set(samples, at);
    this.length = Math.max(this.length, at + samples.length);
  }

  /** Drops everything from `position` on. */
  truncate(position: number): void {
    const at = Math.max(0, Math.round(position));
    if (at >= this.length) return;
    this.data.fill(0, at, this.length);
    this.length = at;
  }

  samples(): Int16Array {
    return this.data.slice(0, this.length);
  }
}

export interface CallRecorderOptions {
  /** Saves the part so far (a complete WAV file each time). */
  save(wav: Uint8Array): Promise<void>;
  /** How often the part so far is saved (default 2 s). */
  flushEveryMs?: number;
  /** Reports a failed save (the next save tries again). */
  onSaveError?(error: unknown): void;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
}

export class CallRecorder {
  private readonly caller = new Track();
  /** What the caller is played, at the session's playout rate. */
  private system: Track | undefined;
  private systemRate = 0;
  private readonly startedAt: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: CallRecorderOptions) {
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
    const every = options.flushEveryMs ?? 2_000;
    this.timer = setInterval(() => void this.save(), every);
    this.timer.unref();
  }

  /** Milliseconds recorded so far (by the clock). */
  get durationMs(): number {
    return Math.round(this.now() - this.startedAt);
  }

  /** Feed for `MediaSession.onCallerAudio`: 16 kHz chunks, kept in order and on the clock. */
  readonly onCaller: CallerAudioListener = (samples) => {
    if (this.stopped) return;
    // Chunks arrive in real time; a gap in the stream (no audio pulled) stays silent.
    const due = ((this.now() - this.startedAt) * RECORDING_SAMPLE_RATE) / 1000 - samples.length;
    const position = due - this.caller.length > RECORDING_SAMPLE_RATE * 0.2 ? due : this.caller.length;
    this.caller.write(position, samples);
  };

  /** Feed for `MediaSession.onAgentAudio`: each frame is placed at the time the caller hears it. */
  readonly onAgent: AgentAudioListener = (event) => {
    if (this.stopped) return;
    const elapsedMs = this.now() - this.startedAt;
    if (event.kind === 'cleared') {
      // Audio queued but never heard (a barge-in) is not part of what the caller was played.
      if (this.system) this.system.truncate((elapsedMs * this.systemRate) / 1000);
      return;
    }
    if (!this.system) {
      this.systemRate = event.sampleRate;
      this.system = new Track(event.sampleRate * 10);
    }
    const due = ((elapsedMs + event.delayMs) * this.systemRate) / 1000;
    // Frames of one prompt follow each other exactly; a new prompt starts at its own time.
    const position = Math.abs(due - this.system.length) < this.systemRate * 0.05 ? this.system.length : due;
    this.system.write(position, event.samples);
  };

  /** The part so far as a stereo WAV: caller left, system right, 16 kHz. */
  async toWav(): Promise<Uint8Array> {
    const left = this.caller.samples();
    let right: Int16Array = new Int16Array(0);
    if (this.system && this.system.length > 0) {
      right = (await resample({ sampleRate: this.systemRate, samples: this.system.samples() }, RECORDING_SAMPLE_RATE, { quality: 'fastest' })).samples;
    }
    const length = Math.max(left.length, right.length);
    const l = new Int16Array(length);
    l.set(left);
    const r = new Int16Array(length);
    r.set(right.subarray(0, length));
    const wav = new WaveFile();
    wav.fromScratch(2, RECORDING_SAMPLE_RATE, '16', [l, r]);
    return wav.toBuffer();
  }

  /** Saves the part so far; saves never overlap. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      try {
        await this.options.save(await this.toWav());
      } catch (error) {
        this.options.onSaveError?.(error);
      }
    });
    return this.saving;
  }

  /** Stops recording and saves the part a last time. */
  async stop(): Promise<void> {
    if (this.stopped) return this.saving;
    clearInterval(this.timer);
    await this.save();
    this.stopped = true;
  }
}
