/**
 * Streaming speech recognition through Deepgram's live endpoint (`/v1/listen` over WebSocket)
 * with the official `@deepgram/sdk`: audio frames go up as they are pushed, interim results come
 * back while the caller speaks, the final result once `CloseStream` has been answered.
 */
import { DeepgramClient } from '@deepgram/sdk';
import type {
  SpeechToText,
  SpeechToTextCapabilities,
  SpeechToTextResult,
  SpeechToTextStream,
  SpeechToTextStreamOptions,
} from '../types.js';
import { ProviderError, statusError, toProviderError } from './errors.js';
import { AsyncQueue, COMMON_LANGUAGES, int16ToLittleEndian, normalizeTranscript } from './util.js';

/** Options of {@link DeepgramStt}; every field but `apiKey` has a default. */
export interface DeepgramSttOptions {
  /** Sent as `Authorization: Token <key>`; defaults to `DEEPGRAM_API_KEY`. */
  apiKey: string;
  /** WebSocket origin, e.g. `ws://127.0.0.1:PORT` for a local fake. */
  baseUrl: string;
  model: string;
  /** Language when a stream names none. */
  language: string;
  /** Silence (ms) after which Deepgram marks speech final (`endpointing`). */
  endpointingMs: number;
  /** Opening the connection fails after this long. */
  connectTimeoutMs: number;
  /** After `end()`, the final result must arrive within this long. */
  finalTimeoutMs: number;
}

/** Defaults of {@link DeepgramSttOptions}. */
export const defaultDeepgramSttOptions: Omit<DeepgramSttOptions, 'apiKey'> = {
  baseUrl: 'wss://api.deepgram.com',
  model: 'nova-3',
  language: 'en-US',
  endpointingMs: 300,
  connectTimeoutMs: 5_000,
  finalTimeoutMs: 5_000,
};

/** The parts of a Deepgram live message this module reads. */
interface LiveMessage {
  type?: string;
  is_final?: boolean;
  start?: number;
  duration?: number;
  channel?: { alternatives?: Array<{ transcript?: string; confidence?: number }> };
}

/**
 * {@link SpeechToText} backed by Deepgram live streaming. One WebSocket per utterance; the SDK's
 * reconnects are off (a reconnect would lose audio): wrap in FallbackStt for retries.
 */
export class DeepgramStt implements SpeechToText {
  readonly label = 'deepgram';
  readonly capabilities: SpeechToTextCapabilities = { interimResults: true, grammar: false, hints: true, languages: COMMON_LANGUAGES };
  readonly options: DeepgramSttOptions;
  private readonly client: DeepgramClient;

  constructor(options: Partial<DeepgramSttOptions> = {}) {
    this.options = { ...defaultDeepgramSttOptions, apiKey: process.env.DEEPGRAM_API_KEY ?? '', ...options };
    this.client = new DeepgramClient({ apiKey: this.options.apiKey, baseUrl: this.options.baseUrl });
  }

  stream(options: SpeechToTextStreamOptions): SpeechToTextStream {
    return new DeepgramStream(this.client, this.options, options, this.label);
  }
}

type LiveSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

class DeepgramStream implements SpeechToTextStream {
  private readonly queue = new AsyncQueue<SpeechToTextResult>();
  readonly results: AsyncIterable<SpeechToTextResult> = this.queue;
  private socket: LiveSocket | undefined;
  private open = false;
  private closeSent = false;
  private ended = false;
  private finished = false;
  private readonly pending: Buffer[] = [];
  private readonly finals: string[] = [];
  private readonly confidences: number[] = [];
  private startMs: number | undefined;
  private endMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();
  private readonly onAbort = (): void => this.finish();

  constructor(
    private readonly client: DeepgramClient,
    private readonly options: DeepgramSttOptions,
    private readonly streamOptions: SpeechToTextStreamOptions,
    private readonly label: string,
  ) {
    const { signal } = streamOptions;
    if (signal?.aborted) {
      this.finish();
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => this.fail(new ProviderError(label, 'timeout', `not connected within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    this.connect().catch((err: unknown) => this.fail(toProviderError(label, err)));
  }

  push(samples: Int16Array): void {
    if (this.ended || this.finished || samples.length === 0) return;
    const frame = int16ToLittleEndian(samples);
    if (this.open) this.send(() => this.socket?.sendMedia(frame));
    else this.pending.push(frame);
  }

  end(): void {
    if (this.ended || this.finished) return;
    this.ended = true;
    if (this.open) this.closeStream();
  }

  private async connect(): Promise<void> {
    const { model, endpointingMs, connectTimeoutMs } = this.options;
    const { sampleRate, language, hints } = this.streamOptions;
    const socket = await this.client.listen.v1.connect({
      model,
      encoding: 'linear16',
      sample_rate: sampleRate,
      channels: 1,
      language: language ?? this.options.language,
      interim_results: 'true',
      endpointing: endpointingMs,
      // Nova-3 takes `keyterm`; older models take `keywords` (the SDK refuses the mix).
      ...(hints?.length ? (model.startsWith('nova-3') ? { keyterm: hints } : { keywords: hints }) : {}),
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: connectTimeoutMs / 1000,
      abortSignal: this.controller.signal,
    });
    if (this.finished) return;
    this.socket = socket;
    socket.on('open', () => this.onOpen());
    socket.on('message', (message) => this.onMessage(message as LiveMessage));
    socket.on('error', (err) => this.fail(this.describe(err)));
    socket.on('close', (event) => this.onClose(event.code));
    socket.connect();
  }

  private onOpen(): void {
    if (this.finished) return;
    this.open = true;
    clearTimeout(this.timer);
    for (const frame of this.pending.splice(0)) this.send(() => this.socket?.sendMedia(frame));
    if (this.ended) this.closeStream();
  }

  private closeStream(): void {
    this.closeSent = true;
    this.send(() => this.socket?.sendCloseStream({ type: 'CloseStream' }));
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.fail(new ProviderError(this.label, 'timeout', `no final result within ${this.options.finalTimeoutMs} ms`)),
      this.options.finalTimeoutMs,
    );
  }

  private onMessage(message: LiveMessage): void {
    if (this.finished || message.type !== 'Results') return;
    const alternative = message.channel?.alternatives?.[0];
    const text = normalizeTranscript(alternative?.transcript ?? '');
    const startMs = Math.round((message.start ?? 0) * 1000);
    const endMs = Math.round(((message.start ?? 0) + (message.duration ?? 0)) * 1000);
    if (message.is_final) {
      if (text === '') return;
      this.finals.push(text);
      if (alternative?.confidence !== undefined) this.confidences.push(alternative.confidence);
      this.startMs ??= startMs;
      this.endMs = endMs;
    } else if (text !== '') {
      this.queue.push({ text: [...this.finals, text].join(' '), isFinal: false, confidence: alternative?.confidence, startMs: this.startMs ?? startMs, endMs });
    }
  }

  private onClose(code: number): void {
    if (this.finished) return;
    if (!this.open) {
      // The SDK reports a refused upgrade as a close, then (synchronously) the error with the status.
      setImmediate(() => this.fail(new ProviderError(this.label, 'network', 'connection closed before it opened')));
      return;
    }
    // Deepgram closes normally once it has answered CloseStream; anything else lost the utterance.
    if (!this.closeSent || code !== 1000) {
      this.fail(new ProviderError(this.label, 'network', `connection closed before the final result (code ${code})`));
      return;
    }
    const confidence = this.confidences.length > 0 ? Math.min(...this.confidences) : this.finals.length > 0 ? undefined : 0;
    this.queue.push({ text: this.finals.join(' '), isFinal: true, confidence, startMs: this.startMs, endMs: this.endMs });
    this.finish();
  }

  /** The SDK reports a refused upgrade as `Unexpected server response: <status>`. */
  private describe(err: Error): ProviderError {
    const status = /server response: (\d{3})/.exec(err.message)?.[1];
    if (status) return statusError(this.label, Number(status), err);
    if (err.message === 'TIMEOUT') return new ProviderError(this.label, 'timeout', 'connection timed out', { cause: err });
    return new ProviderError(this.label, 'network', 'connection failed', { cause: err });
  }

  /** The SDK throws when the socket is no longer open; the utterance is then lost. */
  private send(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.fail(new ProviderError(this.label, 'network', 'connection lost while sending audio', { cause: err }));
    }
  }

  private fail(err: ProviderError): void {
    if (this.finished) return;
    this.queue.fail(err);
    this.finish();
  }

  private finish(): void {
    this.finished = true;
    this.streamOptions.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.timer);
    this.pending.length = 0;
    this.queue.close();
    this.controller.abort();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
  }
}
