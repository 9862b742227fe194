/**
 * Text-to-speech through the local `espeak-ng` binary: robotic, but offline, instant and free,
 * which makes it the default voice for development and tests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import wavefile from 'wavefile';
import type { PcmAudio, TextToSpeech } from './types.js';
import { AsyncQueue, int16FromLittleEndian } from './providers/util.js';

/** Options of {@link EspeakTts}; every field has a default. */
export interface EspeakTtsOptions {
  /** Executable to run. */
  command: string;
  /** Voice used when a call passes neither `voice` nor `language` (`espeak-ng --voices` lists them). */
  voice: string;
  /** Speaking rate in words per minute (`-s`). */
  speedWpm: number;
  /** Pitch, 0–99 (`-p`). */
  pitch: number;
  /** The process is killed and the call rejected after this long. */
  timeoutMs: number;
  /**
   * `stream` keeps one espeak-ng process started ahead, for the voice it used last, waiting for its
   * text: starting one from a busy worker takes 40–80 ms, which the next sentence then does not wait.
   */
  spare: boolean;
}

/** Defaults of {@link EspeakTtsOptions}. */
export const defaultEspeakTtsOptions: EspeakTtsOptions = {
  command: 'espeak-ng',
  voice: 'en-us',
  speedWpm: 165,
  pitch: 50,
  timeoutMs: 30_000,
  spare: true,
};

/** One espeak-ng process writing a WAV to stdout for the text it is given on stdin. */
interface EspeakProcess {
  voice: string;
  child: ChildProcessWithoutNullStreams;
  output: AsyncQueue<Buffer>;
}

/** A voice espeak-ng does not have. */
export class UnknownVoiceError extends Error {
  override readonly name = 'UnknownVoiceError';
  constructor(readonly voice: string) {
    super(`espeak-ng has no voice '${voice}' (\`espeak-ng --voices\` lists them; add a variant as en-us+f3)`);
  }
}

/** Sample rate espeak-ng's own voices produce; used for the empty utterance. */
const ESPEAK_SAMPLE_RATE = 22_050;

const INSTALL_HINT = 'install espeak-ng: apt-get install espeak-ng';

/**
 * {@link TextToSpeech} backed by `espeak-ng --stdout`. The text goes through stdin, so it never
 * appears in a process listing.
 */
export class EspeakTts implements TextToSpeech {
  readonly label = 'espeak-ng';
  readonly options: EspeakTtsOptions;

  constructor(options: Partial<EspeakTtsOptions> = {}) {
    this.options = { ...defaultEspeakTtsOptions, ...options };
  }

  /**
   * Synthesizes `text`. `voice` wins over `language`; both are espeak-ng voice names
   * (`en-us`, `de`, `fr`…), compared case-insensitively. Aborting kills the process and rejects with
   * the signal's reason.
   */
  async synthesize(
    text: string,
    options: { voice?: string; language?: string; signal?: AbortSignal } = {},
  ): Promise<PcmAudio> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (text.trim() === '') return { sampleRate: ESPEAK_SAMPLE_RATE, samples: new Int16Array(0) };

    const voice = (options.voice ?? options.language ?? this.options.voice).toLowerCase();
    // espeak-ng silently falls back to its default voice for a name it does not know: refuse instead.
    if (!(await this.knows(voice))) throw new UnknownVoiceError(voice);
    signal?.throwIfAborted();
    const wav = await this.run(this.voiceArgs(voice), text, signal);
    return decodeWav(wav);
  }

  /**
   * Streams `text`: espeak-ng writes its WAV to stdout sentence by sentence, so the first sentence
   * can play while the rest is synthesized. Same voices, errors and abort as `synthesize`.
   */
  async *stream(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (text.trim() === '') return;
    const voice = (options.voice ?? options.language ?? this.options.voice).toLowerCase();
    if (!(await this.knows(voice))) throw new UnknownVoiceError(voice);
    signal?.throwIfAborted();
    let pending: Buffer = Buffer.alloc(0);
    let sampleRate = 0;
    let any = false;
    for await (const chunk of this.output(this.takeProcess(voice), text, signal)) {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      if (sampleRate === 0) {
        const header = readWavHeader(pending);
        if (!header) continue;
        sampleRate = header.sampleRate;
        pending = pending.subarray(header.dataOffset);
      }
      const even = pending.length - (pending.length % 2);
      if (even === 0) continue;
      any = true;
      yield { sampleRate, samples: int16FromLittleEndian(pending.subarray(0, even)) };
      pending = pending.subarray(even);
    }
    if (!any) throw new Error('espeak-ng produced no audio');
  }

  /**
   * Gives `text` to the process and yields what it writes to stdout. Aborting, the timeout, or the
   * reader stopping early kill the process; its failure (exit code, stderr) rejects the iteration.
   */
  private async *output({ child, output }: EspeakProcess, text: string, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    const kill = (reason: unknown): void => {
      child.kill('SIGKILL');
      output.fail(reason);
    };
    const onAbort = (): void => kill(signal?.reason ?? new Error('espeak-ng synthesis aborted'));
    const timer = setTimeout(() => kill(new Error(`espeak-ng did not finish within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdin.end(text, 'utf8');
    try {
      yield* output;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  /** The process started ahead for the next `stream` (see `EspeakTtsOptions.spare`). */
  private spare: EspeakProcess | undefined;

  /** A process for `voice`: the spare when it is one, a new one otherwise; then starts the next spare. */
  private takeProcess(voice: string): EspeakProcess {
    const spare = this.spare;
    this.spare = undefined;
    let taken: EspeakProcess;
    if (spare && spare.voice === voice && spare.child.exitCode === null && spare.child.signalCode === null) {
      taken = spare;
      // Working now: it keeps the worker's event loop alive again like any synthesis.
      holdOpen(spare, true);
    } else {
      spare?.child.kill('SIGKILL');
      taken = this.startProcess(this.voiceArgs(voice), voice);
    }
    if (this.options.spare) {
      setImmediate(() => {
        if (this.spare) return;
        this.spare = this.startProcess(this.voiceArgs(voice), voice);
        // Idle, it must not keep a process from exiting (it ends by itself when its stdin closes).
        holdOpen(this.spare, false);
      });
    }
    return taken;
  }

  /** The arguments that synthesize stdin's text to a WAV on stdout in `voice`. */
  private voiceArgs(voice: string): string[] {
    return ['--stdout', '-v', voice, '-s', String(this.options.speedWpm), '-p', String(this.options.pitch)];
  }

  /** Starts espeak-ng with `args`; it waits for its text on stdin. `voice` names what the process is for (a spare's key). */
  private startProcess(args: string[], voice = ''): EspeakProcess {
    const { command } = this.options;
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const output = new AsyncQueue<Buffer>();
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {});
    child.on('error', (err: NodeJS.ErrnoException) =>
      output.fail(err.code === 'ENOENT' ? new Error(`espeak-ng not found (ran "${command}"); ${INSTALL_HINT}`) : new Error(`espeak-ng could not be started: ${err.message}`)),
    );
    child.on('close', (code, killedBy) => {
      const detail = Buffer.concat(stderr).toString('utf8').trim();
      if (code === 0) output.close();
      else output.fail(new Error(`espeak-ng failed (${killedBy ?? `exit code ${code}`})${detail ? `: ${detail}` : ''}`));
    });
    return { voice, child, output };
  }

  private voiceNames: Promise<{ voices: Set<string>; variants: Set<string> }> | undefined;

  /** True when espeak-ng has this voice (`en-us`, `English_(America)`, `gmw/en-US`, `en-us+f3`). */
  async knows(voice: string): Promise<boolean> {
    this.voiceNames ??= Promise.all([this.run(['--voices'], '', undefined), this.run(['--voices=variant'], '', undefined)]).then(([voices, variants]) => {
      const names = (listing: Buffer, columns: number[]): Set<string> =>
        new Set(
          listing
            .toString('utf8')
            .split('\n')
            .slice(1)
            .flatMap((line) => {
              const fields = line.trim().split(/\s+/);
              return columns.map((c) => fields[c]?.toLowerCase()).filter((f): f is string => Boolean(f));
            })
            .flatMap((name) => [name, name.split('/').at(-1) as string]),
        );
      return { voices: names(voices, [1, 3, 4]), variants: names(variants, [3, 4]) };
    });
    this.voiceNames.catch(() => (this.voiceNames = undefined));
    const { voices, variants } = await this.voiceNames;
    const [base, variant, ...rest] = voice.toLowerCase().split('+');
    return rest.length === 0 && voices.has(base ?? '') && (variant === undefined || variants.has(variant));
  }

  /** Runs espeak-ng with `args` on `text`; resolves with everything it wrote to stdout. */
  private async run(args: string[], text: string, signal: AbortSignal | undefined): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.output(this.startProcess(args), text, signal)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}

/** Whether `process` (and its pipes, which are sockets) keeps Node's event loop alive. */
function holdOpen({ child }: EspeakProcess, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref(): void; unref(): void }>) {
    if (on) handle.ref();
    else handle.unref();
  }
}

/** Decodes espeak-ng's WAV output (mono 16-bit PCM; the header's sizes are streaming placeholders). */
function decodeWav(bytes: Buffer): PcmAudio {
  if (bytes.length === 0) throw new Error('espeak-ng produced no audio');
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new Error(`espeak-ng produced unreadable WAV: ${(err as Error).message}`, { cause: err });
  }
  const fmt = wav.fmt as { sampleRate: number; numChannels: number };
  if (wav.bitDepth !== '16') wav.toBitDepth('16');
  const samples: unknown = wav.getSamples(false, Int16Array);
  // De-interleaved multi-channel audio comes back as one array per channel; keep the first.
  const mono = fmt.numChannels > 1 ? (samples as Int16Array[])[0] : (samples as Int16Array);
  if (!mono) throw new Error('espeak-ng produced WAV without samples');
  return { sampleRate: fmt.sampleRate, samples: mono };
}

/**
 * The start of a streamed WAV (espeak-ng's sizes are placeholders): its sample rate and where the
 * samples start, once the header has arrived; only mono 16-bit PCM is accepted.
 */
function readWavHeader(bytes: Buffer): { sampleRate: number; dataOffset: number } | undefined {
  if (bytes.length < 12) return undefined;
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error('espeak-ng produced unreadable WAV: no RIFF/WAVE header');
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'data') {
      if (sampleRate === 0) throw new Error('espeak-ng produced unreadable WAV: data before fmt');
      return { sampleRate, dataOffset: offset + 8 };
    }
    if (offset + 8 + size > bytes.length) return undefined;
    if (id === 'fmt ') {
      const format = bytes.readUInt16LE(offset + 8);
      const channels = bytes.readUInt16LE(offset + 10);
      const bits = bytes.readUInt16LE(offset + 22);
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error(`espeak-ng produced unexpected WAV (format ${format}, ${channels} channels, ${bits} bits)`);
      sampleRate = bytes.readUInt32LE(offset + 12);
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
