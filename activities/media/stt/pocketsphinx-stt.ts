/**
 * Offline speech recognition with CMU PocketSphinx as Debian ships it (`python3-pocketsphinx`,
 * `pocketsphinx-en-us`): no account, no network, no model download. Menus get a grammar of their
 * phrases, which is where PocketSphinx is strong; free speech uses the general US English language
 * model, which is weak (see bench/speech.ts for both).
 *
 * Each utterance runs in its own `pocketsphinx-decoder.py` process; a spare process of each kind
 * (grammar, and free speech with the language model loaded too) is kept ready so that a new
 * utterance never waits for a model: loading the language model takes ~0.5 s of CPU, and a decoder
 * that loaded it when speech began lagged the caller by 0.2-0.6 s at the first pause.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SpeechToText, SpeechToTextCapabilities, SpeechToTextResult, SpeechToTextStream, SpeechToTextStreamOptions } from '../types.js';
import { BandwidthMeter } from './bandwidth.js';

/** Options of {@link PocketsphinxStt}; every field has a default. */
export interface PocketsphinxSttOptions {
  /** Python with the `pocketsphinx` module (Debian's `python3-pocketsphinx` is for /usr/bin/python3). */
  python: string;
  /** Directory holding `en-us/`, `cmudict-en-us.dict` and `en-us.lm.bin`. */
  modelDir: string;
  /** Keep one decoder process loaded ahead of the next utterance. */
  keepWarm: boolean;
  /**
   * Standard deviation of the Gaussian noise added to the audio (16-bit scale). The acoustic model
   * was trained on recordings with a noise floor; digital silence and band-limited audio without
   * one are recognized worse (measured on phone audio: menu accuracy 92.7 % without, 96.9 % with 30).
   */
  noiseFloor: number;
  /**
   * On narrowband (telephone) audio, let grammar words also match without the fricatives at their
   * edges, which the channel removes (measured on phone audio: menu accuracy 86.5 % → 96.9 %).
   */
  narrowbandVariants: boolean;
  /** Interval of interim results in free speech, in ms of audio; 0 for none. */
  interimMs: number;
  /** A stream fails if the decoder has not answered `end()` within this long. */
  timeoutMs: number;
}

/** Defaults of {@link PocketsphinxSttOptions}. */
export const defaultPocketsphinxSttOptions: PocketsphinxSttOptions = {
  python: '/usr/bin/python3',
  modelDir: '/usr/share/pocketsphinx/model/en-us',
  keepWarm: true,
  noiseFloor: 30,
  narrowbandVariants: true,
  interimMs: 300,
  timeoutMs: 10_000,
};

const SAMPLE_RATE = 16_000;
const DECODER_SCRIPT = fileURLToPath(new URL('./pocketsphinx-decoder.py', import.meta.url));
const INSTALL_HINT = 'install the Debian packages python3-pocketsphinx and pocketsphinx-en-us';

type DecoderMessage =
  | { type: 'ready' }
  | { type: 'warning'; message: string; words?: string[] }
  | { type: 'interim'; text: string }
  | { type: 'final'; text: string; confidence: number; startMs?: number; endMs?: number }
  | { type: 'peek'; text: string; confidence: number; startMs?: number; endMs?: number }
  | { type: 'error'; message: string };

/** Menus decode against a grammar; free speech needs the (larger, slower to load) language model. */
type DecoderKind = 'grammar' | 'freeSpeech';
const kindOf = (options: SpeechToTextStreamOptions): DecoderKind => (options.grammar == null ? 'freeSpeech' : 'grammar');

/** A started decoder process and its stdout messages. */
interface DecoderProcess {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  /** Messages after `ready`, in order; `next()` waits for one. */
  next(): Promise<DecoderMessage | null>;
  stderr(): string;
}

/** {@link SpeechToText} backed by PocketSphinx in a child process. Call `close()` when done. */
export class PocketsphinxStt implements SpeechToText {
  readonly label = 'pocketsphinx';
  readonly capabilities: SpeechToTextCapabilities = {
    interimResults: true,
    grammar: true,
    hints: false,
    languages: ['en-us', 'en'],
  };
  readonly options: PocketsphinxSttOptions;
  private readonly spares = new Map<DecoderKind, DecoderProcess>();
  private closed = false;

  constructor(options: Partial<PocketsphinxSttOptions> = {}) {
    this.options = { ...defaultPocketsphinxSttOptions, ...options };
  }

  /** Starts the spare decoders now and resolves once their models are loaded (optional warm-up). */
  async warmUp(): Promise<void> {
    const kinds: DecoderKind[] = ['grammar', 'freeSpeech'];
    for (const kind of kinds) if (!this.spares.has(kind)) this.spares.set(kind, this.startDecoder(kind));
    await Promise.all([...this.spares.values()].map((spare) => spare.ready));
  }

  stream(options: SpeechToTextStreamOptions): SpeechToTextStream {
    if (this.closed) throw new Error('the pocketsphinx recognizer is closed');
    if (options.sampleRate !== SAMPLE_RATE) throw new Error(`pocketsphinx takes ${SAMPLE_RATE} Hz audio, not ${options.sampleRate} Hz`);
    const language = options.language?.toLowerCase();
    if (language && !this.capabilities.languages.includes(language)) {
      throw new Error(`pocketsphinx has no model for language ${options.language}`);
    }
    const kind = kindOf(options);
    const spare = this.spares.get(kind);
    this.spares.delete(kind);
    // A spare that died while waiting (killed, out of memory) is replaced, not handed to a caller.
    const alive = spare && spare.child.exitCode === null && spare.child.signalCode === null;
    const decoder = alive ? spare : this.startDecoder(kind);
    if (this.options.keepWarm) this.spares.set(kind, this.startDecoder(kind));
    return new PocketsphinxStream(decoder, options, this.options);
  }

  /** Stops the spare decoders. Streams already started run to their end. */
  close(): void {
    this.closed = true;
    for (const spare of this.spares.values()) spare.child.kill('SIGKILL');
    this.spares.clear();
  }

  private startDecoder(kind: DecoderKind): DecoderProcess {
    const child = spawn(this.options.python, ['-u', DECODER_SCRIPT, ...(kind === 'freeSpeech' ? ['--language-model'] : [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, POCKETSPHINX_MODEL_DIR: this.options.modelDir },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    // EPIPE when the process died; its exit is reported through `next()`.
    child.stdin.on('error', () => {});
    const queue: Array<DecoderMessage | null> = [];
    const waiters: Array<(m: DecoderMessage | null) => void> = [];
    const deliver = (message: DecoderMessage | null): void => {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    };
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        deliver(JSON.parse(line) as DecoderMessage);
      } catch {
        deliver({ type: 'error', message: `unreadable decoder output: ${line.slice(0, 200)}` });
      }
    });
    let spawnError: Error | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code === 'ENOENT' ? new Error(`${this.options.python} not found; ${INSTALL_HINT}`) : err;
    });
    lines.on('close', () => {
      // stdout closes before 'exit' fires; wait for the exit so the code can be reported.
      const report = (): void => deliver(null);
      if (child.exitCode !== null || child.signalCode !== null) report();
      else child.once('exit', report);
    });
    const next = (): Promise<DecoderMessage | null> =>
      queue.length > 0 ? Promise.resolve(queue.shift() ?? null) : new Promise((resolve) => waiters.push(resolve));
    const describeExit = (): string =>
      spawnError?.message ?? `decoder exited (${child.signalCode ?? `code ${child.exitCode}`})${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ''}`;
    const ready = next().then((message) => {
      if (message?.type === 'ready') return;
      if (message?.type === 'error') throw new Error(`pocketsphinx decoder failed to start: ${message.message}; ${INSTALL_HINT}`);
      throw new Error(`pocketsphinx decoder failed to start: ${describeExit()}; ${INSTALL_HINT}`);
    });
    ready.catch(() => {}); // reported to the stream that takes this decoder
    return { child, ready, next, stderr: () => describeExit() };
  }
}

class PocketsphinxStream implements SpeechToTextStream {
  readonly results: AsyncIterable<SpeechToTextResult>;
  private ended = false;
  private readonly meter = new BandwidthMeter(SAMPLE_RATE);
  private readonly noise: NoiseSource;
  /** peek() calls waiting for their answer, oldest first (the decoder answers in order). */
  private readonly peeks: Array<{ resolve: (r: SpeechToTextResult | null) => void }> = [];

  constructor(
    private readonly decoder: DecoderProcess,
    private readonly streamOptions: SpeechToTextStreamOptions,
    private readonly options: PocketsphinxSttOptions,
  ) {
    this.noise = new NoiseSource(options.noiseFloor);
    const config = { grammar: streamOptions.grammar ?? null, interimMs: options.interimMs };
    this.send('C', Buffer.from(JSON.stringify(config)));
    const { signal } = streamOptions;
    const onAbort = (): void => {
      this.ended = true;
      decoder.child.kill('SIGKILL');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.results = this.read(() => signal?.removeEventListener('abort', onAbort));
  }

  push(samples: Int16Array): void {
    if (this.ended || samples.length === 0) return;
    this.meter.push(samples);
    const noisy = this.noise.add(samples);
    this.send('A', Buffer.from(noisy.buffer, noisy.byteOffset, noisy.byteLength));
  }

  peek(options: { quick?: boolean } = {}): Promise<SpeechToTextResult | null> {
    if (this.ended) return Promise.resolve(null);
    const narrowband = this.options.narrowbandVariants && this.meter.isNarrowband();
    return new Promise((resolve) => {
      this.peeks.push({ resolve });
      this.send('P', Buffer.from(JSON.stringify({ narrowband, quick: options.quick === true })));
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const narrowband = this.options.narrowbandVariants && this.meter.isNarrowband();
    this.send('E', Buffer.from(JSON.stringify({ narrowband })));
  }

  private send(kind: 'C' | 'A' | 'P' | 'E', payload: Buffer): void {
    const stdin = this.decoder.child.stdin;
    if (stdin.destroyed || stdin.writableEnded) return;
    const header = Buffer.alloc(5);
    header.write(kind, 0, 'ascii');
    header.writeUInt32LE(payload.length, 1);
    stdin.write(Buffer.concat([header, payload]));
    if (kind === 'E') stdin.end();
  }

  private async *read(cleanup: () => void): AsyncGenerator<SpeechToTextResult> {
    const { child } = this.decoder;
    let timer: NodeJS.Timeout | undefined;
    try {
      try {
        await this.decoder.ready;
      } catch (err) {
        if (this.streamOptions.signal?.aborted) return;
        throw err;
      }
      for (;;) {
        // The time limit runs only once end() was called: before it the caller is still speaking.
        const message = await (this.ended && !this.streamOptions.signal?.aborted ? this.withTimeout(this.decoder.next(), (t) => (timer = t)) : this.decoder.next());
        clearTimeout(timer);
        if (message === null) {
          if (this.streamOptions.signal?.aborted) return;
          throw new Error(`pocketsphinx ${this.decoder.stderr()}`);
        }
        if (message.type === 'interim') yield { text: message.text, isFinal: false };
        else if (message.type === 'peek') {
          this.peeks.shift()?.resolve({ text: message.text, isFinal: false, confidence: message.confidence, startMs: message.startMs, endMs: message.endMs });
        }
        else if (message.type === 'final') {
          yield { text: message.text, isFinal: true, confidence: message.confidence, startMs: message.startMs, endMs: message.endMs };
          return;
        } else if (message.type === 'error') throw new Error(`pocketsphinx decoder failed: ${message.message}`);
        // 'warning': unknown words were left out of the grammar; nothing the caller can act on here.
      }
    } finally {
      clearTimeout(timer);
      cleanup();
      this.ended = true;
      for (const waiting of this.peeks.splice(0)) waiting.resolve(null);
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.destroy();
        child.kill('SIGKILL');
      }
    }
  }

  private withTimeout<T>(promise: Promise<T>, onTimer: (t: NodeJS.Timeout) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      onTimer(setTimeout(() => reject(new Error(`pocketsphinx gave no result within ${this.options.timeoutMs} ms`)), this.options.timeoutMs));
      promise.then(resolve, reject);
    });
  }
}

/** Deterministic Gaussian noise (xorshift32 + Box–Muller), added to a copy of the audio. */
class NoiseSource {
  private state = 0x9e3779b9;
  private spare: number | null = null;

  constructor(private readonly sigma: number) {}

  add(samples: Int16Array): Int16Array {
    const out = new Int16Array(samples.length);
    if (this.sigma <= 0) {
      out.set(samples);
      return out;
    }
    for (let i = 0; i < samples.length; i++) {
      const v = (samples[i] ?? 0) + this.gaussian() * this.sigma;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
    }
    return out;
  }

  private uniform(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return (this.state + 1) / 4_294_967_297;
  }

  private gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}
