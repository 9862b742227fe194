/**
 * Barge-in by voice: while an interruptible prompt plays, the caller's audio runs through its own
 * voice activity stream. Speech that is loud enough and lasts `minSpeechMs` stops the prompt; coughs,
 * clicks and a short "mm" do not. From then on the detector keeps the caller's audio (with a little
 * from before the speech began), so the `listen()` that follows the prompt hears the whole utterance.
 */
import { PRE_ROLL_MS } from '../stt/utterance-listener.js';
import type { BargeInOptions, VoiceActivityDetector, VoiceActivityStream } from '../types.js';

export type { BargeInOptions };

/** Defaults of {@link BargeInOptions}; `npm run bench -- bargein` measures them. */
export const defaultBargeInOptions: BargeInOptions = {
  minSpeechMs: 96,
  // 0.4 misses fewer short answers but lets hum and static through (see the bench's sweep).
  activationThreshold: 0.5,
};

/** Longest audio kept after speech was detected, waiting for a `listen()` to take it. */
const MAX_CAPTURE_MS = 15_000;

/**
 * Watches one prompt's worth of caller audio for speech. Push 16 kHz mono audio as it comes;
 * `onSpeech` fires once, when speech is confirmed. `audio()` returns what was kept.
 */
export class BargeInDetector {
  /** performance.now() when speech was confirmed (for benchmarks). */
  speechDetectedAt: number | undefined;

  private readonly vadStream: VoiceActivityStream;
  private readonly sampleRate: number;
  private readonly queue: Int16Array[] = [];
  /** The running analysis of queued audio, while there is one. */
  private draining: Promise<void> | undefined;
  private closed = false;
  /** Audio pushed so far, in samples: the detector's clock. */
  private samplesSeen = 0;
  /** Recent audio (before speech) or everything since shortly before speech (after). */
  private kept: Int16Array[] = [];
  private keptSamples = 0;
  private speechStartSample = -1;

  constructor(
    vad: VoiceActivityDetector,
    private readonly onSpeech: () => void,
    options: Partial<BargeInOptions> = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const { minSpeechMs, activationThreshold } = { ...defaultBargeInOptions, ...options };
    this.vadStream = vad.stream({ minSpeechMs, activationThreshold });
    this.sampleRate = vad.sampleRate;
  }

  /** True once speech was confirmed. */
  get heardSpeech(): boolean {
    return this.speechStartSample >= 0;
  }

  push(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    this.keep(samples);
    if (this.heardSpeech) return; // the decision is made; only keep the audio now
    this.queue.push(samples);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once the audio pushed so far has been analysed. */
  async idle(): Promise<void> {
    await this.draining;
  }

  /** The audio kept: from shortly before the speech that stopped the prompt up to now. */
  audio(): Int16Array[] {
    if (!this.heardSpeech) return [];
    const from = Math.max(0, this.speechStartSample - (PRE_ROLL_MS * this.sampleRate) / 1000);
    const out: Int16Array[] = [];
    let at = this.samplesSeen - this.keptSamples;
    for (const chunk of this.kept) {
      const end = at + chunk.length;
      if (end > from) out.push(at >= from ? chunk : chunk.subarray(from - at));
      at = end;
    }
    return out;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.vadStream.close();
  }

  private keep(samples: Int16Array): void {
    this.kept.push(samples);
    this.keptSamples += samples.length;
    this.samplesSeen += samples.length;
    // Before speech: enough to backdate a start by the minimum speech, a window and the pre-roll.
    const keepMs = this.heardSpeech ? MAX_CAPTURE_MS : PRE_ROLL_MS + 1_000;
    const keep = (keepMs * this.sampleRate) / 1000;
    while (this.keptSamples - (this.kept[0]?.length ?? 0) >= keep) this.keptSamples -= this.kept.shift()?.length ?? 0;
  }

  private async drain(): Promise<void> {
    try {
      // The stream's clock (startMs) counts the same pushes as samplesSeen, from the same start.
      for (let samples = this.queue.shift(); samples && !this.closed && !this.heardSpeech; samples = this.queue.shift()) {
        const events = await this.vadStream.push(samples);
        const start = events.find((event) => event.type === 'speechStart');
        if (start) {
          this.speechStartSample = Math.round((start.startMs * this.sampleRate) / 1000);
          this.speechDetectedAt = performance.now();
          this.queue.length = 0;
          this.vadStream.close();
          this.onSpeech();
        }
      }
    } catch (error) {
      this.closed = true;
      this.onError(error);
    }
  }
}
