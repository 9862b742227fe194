/**
 * Retry and fallback around speech providers: each provider gets a few attempts (with exponential
 * backoff) for failures that may pass (rate limits, server errors, timeouts, dropped connections);
 * a refused key or a bad request moves on to the next provider at once.
 */
import type {
  PcmAudio,
  SpeechToText,
  SpeechToTextCapabilities,
  SpeechToTextResult,
  SpeechToTextStream,
  SpeechToTextStreamOptions,
  TextToSpeech,
} from '../types.js';
import type { ProviderEvent, ProviderKind } from '../../../lib/contracts/media.js';
import { ProviderError, toProviderError } from './errors.js';
import { AsyncQueue, delay, withTimeout } from './util.js';

/** What {@link FallbackOptions.onEvent} receives (defined in lib/contracts/media.ts, which metrics reads too). */
export type { ProviderEvent, ProviderKind };

/** Options of {@link FallbackTts} and {@link FallbackStt}; every field has a default. */
export interface FallbackOptions {
  /** Attempts per provider for retryable failures (1 = no retry). */
  maxAttempts: number;
  /** Pause before the first retry; doubles (see `backoffMultiplier`) up to `maxBackoffMs`. */
  initialBackoffMs: number;
  backoffMultiplier: number;
  maxBackoffMs: number;
  /**
   * Time allowed for one attempt: TTS, the whole synthesis; STT, from `end()` to the final result
   * (audio is pushed in real time, so the time before `end()` does not count).
   */
  attemptTimeoutMs: number;
  /** Called on each retry and each switch of provider. Must not throw. */
  onEvent: (event: ProviderEvent) => void;
  /**
   * When true, a provider that took over keeps the job: later requests start with it instead of
   * retrying the failed one first (one call's chain, so a provider outage costs one fallback, not
   * one per prompt). When false every request starts with the first provider.
   */
  sticky: boolean;
  /**
   * When true, `voice` goes to the first provider only; the others speak with their own default
   * voice (a voice is a provider's own name or id: an ElevenLabs voice id means nothing to
   * espeak-ng). Used when a call chose the first provider and its voice.
   */
  voiceForFirstOnly: boolean;
}

/** Defaults of {@link FallbackOptions}. */
export const defaultFallbackOptions: FallbackOptions = {
  maxAttempts: 3,
  initialBackoffMs: 250,
  backoffMultiplier: 2,
  maxBackoffMs: 2_000,
  attemptTimeoutMs: 10_000,
  onEvent: () => {},
  sticky: false,
  voiceForFirstOnly: false,
};

/** Every provider failed; `failures` holds the last error of each, in order. */
export class AllProvidersFailedError extends Error {
  override readonly name = 'AllProvidersFailedError';

  constructor(
    what: string,
    readonly failures: ProviderError[],
  ) {
    super(`all ${what} providers failed: ${failures.map((f) => f.message).join('; ')}`);
  }
}

/** Runs `attempt` against each provider in turn, with retries; shared by TTS and STT. */
class RetryLoop<P extends { label: string }> {
  /** Index of the provider requests start with (moves on after a fallback when `sticky`). */
  private first = 0;

  constructor(
    private readonly providers: readonly P[],
    private readonly options: FallbackOptions,
    private readonly what: string,
  ) {
    if (providers.length === 0) throw new Error(`fallback ${what} needs at least one provider`);
  }

  /** The provider the next request starts with. */
  get current(): P {
    return this.providers[this.first] as P;
  }

  async run<T>(signal: AbortSignal | undefined, attempt: (provider: P) => Promise<T>): Promise<T> {
    const { maxAttempts, initialBackoffMs, backoffMultiplier, maxBackoffMs, onEvent, sticky } = this.options;
    const kind: ProviderKind = this.what === 'TTS' ? 'tts' : 'stt';
    const failures: ProviderError[] = [];
    for (let index = this.first; index < this.providers.length; index++) {
      const provider = this.providers[index] as P;
      let failure: ProviderError | undefined;
      for (let n = 1; n <= maxAttempts; n++) {
        signal?.throwIfAborted();
        try {
          const result = await attempt(provider);
          if (sticky) this.first = index;
          return result;
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          failure = toProviderError(provider.label, err, signal);
          if (failure.kind === 'aborted' || !failure.retryable || n === maxAttempts) break;
          const delayMs = Math.min(maxBackoffMs, initialBackoffMs * backoffMultiplier ** (n - 1));
          onEvent({ type: 'providerRetry', kind, from: provider.label, attempt: n, delayMs, reason: failure.reason });
          await delay(delayMs, signal);
        }
      }
      if (failure) failures.push(failure);
      const next = this.providers[index + 1];
      onEvent({ type: 'providerFallback', kind, from: provider.label, ...(next ? { to: next.label } : {}), reason: failure?.reason ?? 'failed' });
    }
    throw new AllProvidersFailedError(this.what, failures);
  }
}

/** {@link TextToSpeech} that tries `providers` in order, with retries; see {@link FallbackOptions}. */
export class FallbackTts implements TextToSpeech {
  readonly label: string;
  readonly options: FallbackOptions;
  private readonly loop: RetryLoop<TextToSpeech>;

  constructor(
    readonly providers: readonly TextToSpeech[],
    options: Partial<FallbackOptions> = {},
  ) {
    this.options = { ...defaultFallbackOptions, ...options };
    this.loop = new RetryLoop(providers, this.options, 'TTS');
    this.label = `fallback(${providers.map((p) => p.label).join(',')})`;
  }

  /** Streams from the first provider that starts answering; see {@link fallbackStream}. */
  stream(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): AsyncIterable<PcmAudio> {
    return fallbackStream(this, this.loop, text, options);
  }

  /** Rejects with {@link AllProvidersFailedError} when no provider succeeded, with the signal's reason on abort. */
  synthesize(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): Promise<PcmAudio> {
    return this.loop.run(options.signal, (provider) =>
      withTimeout(provider.label, this.options.attemptTimeoutMs, options.signal, (signal) => provider.synthesize(text, { ...this.optionsFor(provider, options), signal })),
    );
  }

  /** `options` for one provider: without `voice` for the fallbacks when `voiceForFirstOnly`. */
  optionsFor<O extends { voice?: string }>(provider: TextToSpeech, options: O): O {
    if (!this.options.voiceForFirstOnly || provider === this.providers[0] || options.voice === undefined) return options;
    const { voice: _voice, ...rest } = options;
    return rest as O;
  }
}

/**
 * The streaming side of {@link FallbackTts}: retries and fallback happen until a provider yields
 * its first chunk (a provider without `stream` counts as one chunk, its whole synthesis); from then
 * on that provider's stream is the utterance, and a failure mid-stream ends it with the error
 * (replaying the start from another provider would repeat words the caller already heard).
 */
async function* fallbackStream(
  tts: FallbackTts,
  loop: RetryLoop<TextToSpeech>,
  text: string,
  options: { voice?: string; language?: string; signal?: AbortSignal },
): AsyncGenerator<PcmAudio> {
  const timeoutMs = tts.options.attemptTimeoutMs;
  const opened = await loop.run(options.signal, async (provider) => {
    // The attempt's own signal: the caller's abort for the stream's whole life, a timeout until the first chunk.
    const controller = new AbortController();
    const outer = options.signal;
    const onOuter = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    const release = (): void => outer?.removeEventListener('abort', onOuter);
    const attemptOptions = { ...tts.optionsFor(provider, options), signal: controller.signal };
    const source: AsyncIterable<PcmAudio> = provider.stream
      ? provider.stream(text, attemptOptions)
      : (async function* () {
          yield await provider.synthesize(text, attemptOptions);
        })();
    const iterator = source[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ProviderError(provider.label, 'timeout', `no audio within ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const first = await Promise.race([iterator.next(), timeout]);
      return { iterator, first, release };
    } catch (error) {
      release();
      controller.abort();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  });
  const { iterator, first, release } = opened;
  try {
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    release();
    await iterator.return?.();
  }
}

/**
 * {@link SpeechToText} that tries `providers` in order, with retries. The stream keeps the
 * utterance's audio, so a provider that fails midway is replaced by the next attempt, which hears
 * the utterance from its start. Interim results of a failed attempt are superseded by later ones.
 */
export class FallbackStt implements SpeechToText {
  readonly label: string;
  readonly capabilities: SpeechToTextCapabilities;
  readonly options: FallbackOptions;
  private readonly loop: RetryLoop<SpeechToText>;

  constructor(
    readonly providers: readonly SpeechToText[],
    options: Partial<FallbackOptions> = {},
  ) {
    this.options = { ...defaultFallbackOptions, ...options };
    this.loop = new RetryLoop(providers, this.options, 'STT');
    this.label = `fallback(${providers.map((p) => p.label).join(',')})`;
    // What every provider can do, so a caller never relies on a feature a fallback lacks.
    this.capabilities = {
      interimResults: providers.every((p) => p.capabilities.interimResults),
      grammar: providers.every((p) => p.capabilities.grammar),
      hints: providers.some((p) => p.capabilities.hints),
      languages: providers.reduce<string[]>((common, p) => common.filter((l) => p.capabilities.languages.includes(l)), [...(providers[0]?.capabilities.languages ?? [])]),
    };
  }

  stream(options: SpeechToTextStreamOptions): SpeechToTextStream {
    return new FallbackSttStream(this.loop, options, this.options.attemptTimeoutMs);
  }
}

class FallbackSttStream implements SpeechToTextStream {
  private readonly queue = new AsyncQueue<SpeechToTextResult>();
  readonly results: AsyncIterable<SpeechToTextResult> = this.queue;
  private readonly audio: Int16Array[] = [];
  private current: SpeechToTextStream | undefined;
  private ended = false;
  private readonly endListeners = new Set<() => void>();

  constructor(
    loop: RetryLoop<SpeechToText>,
    private readonly options: SpeechToTextStreamOptions,
    private readonly attemptTimeoutMs: number,
  ) {
    loop.run(options.signal, (provider) => this.attempt(provider)).then(
      (final) => {
        this.queue.push(final);
        this.queue.close();
      },
      (err: unknown) => {
        if (options.signal?.aborted) this.queue.close();
        else this.queue.fail(err);
      },
    );
  }

  push(samples: Int16Array): void {
    if (this.ended || samples.length === 0) return;
    this.audio.push(samples.slice());
    this.current?.push(samples);
  }

  /** The current provider's quick recognition, when it can give one (null otherwise, or on its failure). */
  async peek(): Promise<SpeechToTextResult | null> {
    const current = this.current;
    if (this.ended || !current?.peek) return null;
    try {
      return await current.peek();
    } catch {
      return null;
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.current?.end();
    for (const listener of this.endListeners) listener();
  }

  /** One attempt: a fresh stream fed with all audio so far; resolves with its final result. */
  private async attempt(provider: SpeechToText): Promise<SpeechToTextResult> {
    const controller = new AbortController();
    const outer = this.options.signal;
    const onAbort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let rejectTimeout: (err: ProviderError) => void = () => {};
    const timeout = new Promise<never>((_, reject) => (rejectTimeout = reject));
    const arm = (): void => {
      timer = setTimeout(
        () => rejectTimeout(new ProviderError(provider.label, 'timeout', `no final result within ${this.attemptTimeoutMs} ms`)),
        this.attemptTimeoutMs,
      );
    };
    try {
      const stream = provider.stream({ ...this.options, signal: controller.signal });
      this.current = stream;
      for (const chunk of this.audio) stream.push(chunk);
      if (this.ended) {
        stream.end();
        arm();
      } else this.endListeners.add(arm);
      const iterator = stream.results[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), timeout]);
        if (next.done) throw new ProviderError(provider.label, 'network', 'results ended without a final result');
        if (next.value.isFinal) return next.value;
        this.queue.push(next.value);
      }
    } catch (err) {
      controller.abort();
      throw err;
    } finally {
      clearTimeout(timer);
      this.endListeners.delete(arm);
      outer?.removeEventListener('abort', onAbort);
      this.current = undefined;
    }
  }
}
