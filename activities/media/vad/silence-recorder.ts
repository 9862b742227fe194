/**
 * Records audio until the speaker has been silent long enough (voice activity detection decides
 * what silence is), or until told to stop. Fed audio as it arrives; knows nothing of rooms or keys.
 */
import type { PcmAudio, RecordCallerResult, VoiceActivityDetector, VoiceActivityStream } from '../types.js';

/** Audio kept after the last speech when silence ends a recording. */
export const RECORDING_TAIL_MS = 300;

/** How a recording ended; see {@link RecordCallerResult.endedBy}. */
export type RecordingEnd = RecordCallerResult['endedBy'];

/**
 * Collects pushed 16 kHz mono audio. `done` resolves when `silenceTimeoutMs` pass without speech
 * (counted from the end of the last speech, or from the start if there was none) or when
 * `maxDurationMs` of audio were pushed; `stop()` ends it for any other reason.
 */
export class SilenceRecorder {
  readonly done: Promise<RecordCallerResult>;

  private readonly vadStream: VoiceActivityStream;
  private readonly chunks: Int16Array[] = [];
  private samples = 0;
  private inSpeech = false;
  /** End of the last speech, in samples; 0 before any. */
  private lastSpeechEnd = 0;
  private spoke = false;
  private readonly queue: Int16Array[] = [];
  private draining = false;
  private finished = false;
  private resolve!: (result: RecordCallerResult) => void;
  private reject!: (err: unknown) => void;

  constructor(
    vad: VoiceActivityDetector,
    private readonly options: { silenceTimeoutMs: number; maxDurationMs: number },
  ) {
    this.vadStream = vad.stream({ endSilenceMs: Math.min(options.silenceTimeoutMs, 1_000) });
    this.done = new Promise<RecordCallerResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get sampleRate(): number {
    return 16_000;
  }

  push(samples: Int16Array): void {
    if (this.finished || samples.length === 0) return;
    const room = this.maxSamples() - this.samples - this.queuedSamples();
    if (room <= 0) return;
    this.queue.push(room < samples.length ? samples.subarray(0, room) : samples);
    if (!this.draining) void this.drain();
  }

  /** Ends the recording now with what was recorded (and detected) so far. */
  stop(endedBy: RecordingEnd): void {
    this.finish(endedBy);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let chunk = this.queue.shift(); chunk && !this.finished; chunk = this.queue.shift()) {
        this.chunks.push(chunk);
        this.samples += chunk.length;
        for (const event of await this.vadStream.push(chunk)) {
          if (event.type === 'speechStart') {
            this.inSpeech = true;
            this.spoke = true;
          } else if (event.type === 'speechEnd') {
            this.inSpeech = false;
            this.lastSpeechEnd = this.toSamples(event.endMs);
          }
        }
        if (!this.inSpeech && this.samples - this.lastSpeechEnd >= this.toSamples(this.options.silenceTimeoutMs)) {
          this.finish('silence');
        } else if (this.samples >= this.maxSamples()) {
          this.finish('maxDuration');
        }
      }
    } catch (err) {
      if (!this.finished) {
        this.finished = true;
        this.vadStream.close();
        this.reject(err);
      }
    } finally {
      this.draining = false;
    }
  }

  private finish(endedBy: RecordingEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.vadStream.close();
    this.queue.length = 0;
    let length = this.samples;
    if (endedBy === 'silence') {
      length = this.spoke ? Math.min(this.samples, this.lastSpeechEnd + this.toSamples(RECORDING_TAIL_MS)) : 0;
    }
    const audio: PcmAudio = { sampleRate: this.sampleRate, samples: this.concat(length) };
    this.chunks.length = 0;
    this.resolve({ audio, durationMs: Math.round((length / this.sampleRate) * 1000), endedBy });
  }

  private concat(length: number): Int16Array {
    const out = new Int16Array(length);
    let at = 0;
    for (const chunk of this.chunks) {
      if (at >= length) break;
      const take = Math.min(chunk.length, length - at);
      out.set(take === chunk.length ? chunk : chunk.subarray(0, take), at);
      at += take;
    }
    return out;
  }

  private queuedSamples(): number {
    return this.queue.reduce((n, c) => n + c.length, 0);
  }

  private maxSamples(): number {
    return this.toSamples(this.options.maxDurationMs);
  }

  private toSamples(ms: number): number {
    return Math.round((ms * this.sampleRate) / 1000);
  }
}
