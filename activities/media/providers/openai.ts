/**
 * OpenAI speech through the official `openai` client: text-to-speech (`POST /v1/audio/speech`,
 * raw 24 kHz PCM) and transcription (`POST /v1/audio/transcriptions`, one WAV per utterance).
 */
import OpenAI, { toFile } from 'openai';
import wavefile from 'wavefile';
import type {
  PcmAudio,
  SpeechToText,
  SpeechToTextCapabilities,
  SpeechToTextResult,
  SpeechToTextStream,
  SpeechToTextStreamOptions,
  TextToSpeech,
} from '../types.js';
import { ProviderError, toProviderError } from './errors.js';
import { AsyncQueue, COMMON_LANGUAGES, int16FromLittleEndian, normalizeTranscript, withTimeout } from './util.js';

/** Connection options shared by {@link OpenAiTts} and {@link OpenAiStt}. */
export interface OpenAiClientOptions {
  /** Defaults to `OPENAI_API_KEY`. */
  apiKey: string;
  /** API root including `/v1`, e.g. `http://127.0.0.1:PORT/v1` for a local fake. */
  baseUrl: string;
  /** One request (including the streamed answer) fails after this long. */
  timeoutMs: number;
}

/** Options of {@link OpenAiTts}; every field but `apiKey` has a default. */
export interface OpenAiTtsOptions extends OpenAiClientOptions {
  model: string;
  /** Voice used when a call passes none. */
  voice: string;
}

/** Options of {@link OpenAiStt}; every field but `apiKey` has a default. */
export interface OpenAiSttOptions extends OpenAiClientOptions {
  model: string;
}

const defaultClientOptions: Omit<OpenAiClientOptions, 'apiKey'> = { baseUrl: 'https://api.openai.com/v1', timeoutMs: 20_000 };

/** Defaults of {@link OpenAiTtsOptions}. */
export const defaultOpenAiTtsOptions: Omit<OpenAiTtsOptions, 'apiKey'> = { ...defaultClientOptions, model: 'gpt-4o-mini-tts', voice: 'alloy' };

/** Defaults of {@link OpenAiSttOptions}. */
export const defaultOpenAiSttOptions: Omit<OpenAiSttOptions, 'apiKey'> = { ...defaultClientOptions, model: 'gpt-4o-mini-transcribe' };

/** Rate of OpenAI's `pcm` speech output. */
const OPENAI_PCM_RATE = 24_000;

function createClient(options: OpenAiClientOptions): OpenAI {
  // Retries and timeouts belong to the caller (FallbackTts / FallbackStt), not the SDK.
  return new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0, timeout: options.timeoutMs });
}

/** {@link TextToSpeech} backed by OpenAI's speech endpoint. */
export class OpenAiTts implements TextToSpeech {
  readonly label = 'openai-tts';
  readonly options: OpenAiTtsOptions;
  private readonly client: OpenAI;

  constructor(options: Partial<OpenAiTtsOptions> = {}) {
    this.options = { ...defaultOpenAiTtsOptions, apiKey: process.env.OPENAI_API_KEY ?? '', ...options };
    this.client = createClient(this.options);
  }

  /** Synthesizes `text` with `voice` (an OpenAI voice name) or the default; `language` is ignored (the model follows the text). */
  async synthesize(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): Promise<PcmAudio> {
    options.signal?.throwIfAborted();
    if (text.trim() === '') return { sampleRate: OPENAI_PCM_RATE, samples: new Int16Array(0) };
    const bytes = await withTimeout(this.label, this.options.timeoutMs, options.signal, async (signal) => {
      try {
        const response = await this.client.audio.speech.create(
          { model: this.options.model, voice: options.voice ?? this.options.voice, input: text, response_format: 'pcm' },
          { signal },
        );
        return new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        throw toProviderError(this.label, err, signal);
      }
    });
    const samples = int16FromLittleEndian(bytes);
    if (samples.length === 0) throw new ProviderError(this.label, 'badRequest', 'answered no audio');
    return { sampleRate: OPENAI_PCM_RATE, samples };
  }

  /** Streams `text`: the speech endpoint's PCM body, chunk by chunk as it arrives (within `timeoutMs` in all). */
  async *stream(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    options.signal?.throwIfAborted();
    if (text.trim() === '') return;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let carry: Uint8Array = new Uint8Array(0);
    let any = false;
    try {
      const response = await this.client.audio.speech.create(
        { model: this.options.model, voice: options.voice ?? this.options.voice, input: text, response_format: 'pcm' },
        { signal },
      );
      if (!response.body) throw new ProviderError(this.label, 'badRequest', 'answered no audio');
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const even = bytes.length - (bytes.length % 2);
        carry = bytes.slice(even);
        if (even === 0) continue;
        any = true;
        yield { sampleRate: OPENAI_PCM_RATE, samples: int16FromLittleEndian(bytes.subarray(0, even)) };
      }
    } catch (err) {
      if (timeout.aborted && !options.signal?.aborted) throw new ProviderError(this.label, 'timeout', `no complete answer within ${this.options.timeoutMs} ms`, { cause: err });
      throw toProviderError(this.label, err, options.signal);
    }
    if (!any) throw new ProviderError(this.label, 'badRequest', 'answered no audio');
  }
}

/**
 * {@link SpeechToText} backed by OpenAI's transcription endpoint. The endpoint is not streaming:
 * a stream buffers the pushed audio and sends it as one WAV at `end()`. `hints` become the prompt.
 */
export class OpenAiStt implements SpeechToText {
  readonly label = 'openai-stt';
  readonly capabilities: SpeechToTextCapabilities = { interimResults: false, grammar: false, hints: true, languages: COMMON_LANGUAGES };
  readonly options: OpenAiSttOptions;
  private readonly client: OpenAI;

  constructor(options: Partial<OpenAiSttOptions> = {}) {
    this.options = { ...defaultOpenAiSttOptions, apiKey: process.env.OPENAI_API_KEY ?? '', ...options };
    this.client = createClient(this.options);
  }

  stream(options: SpeechToTextStreamOptions): SpeechToTextStream {
    return new BufferedTranscriptionStream(options, (audio, signal) => this.transcribe(audio, options, signal), this.options.timeoutMs, this.label);
  }

  private async transcribe(audio: PcmAudio, options: SpeechToTextStreamOptions, signal: AbortSignal): Promise<string> {
    try {
      const file = await toFile(encodeWav(audio), 'utterance.wav', { type: 'audio/wav' });
      const language = options.language?.split('-')[0]?.toLowerCase();
      const response = await this.client.audio.transcriptions.create(
        {
          file,
          model: this.options.model,
          response_format: 'json',
          ...(language ? { language } : {}),
          ...(options.hints?.length ? { prompt: options.hints.join(', ') } : {}),
        },
        { signal },
      );
      if (typeof response.text !== 'string') throw new ProviderError(this.label, 'badRequest', 'answer without text');
      return response.text;
    } catch (err) {
      throw toProviderError(this.label, err, signal);
    }
  }
}

/** Stream that collects audio until `end()`, then transcribes it in one request. */
class BufferedTranscriptionStream implements SpeechToTextStream {
  private readonly chunks: Int16Array[] = [];
  private readonly queue = new AsyncQueue<SpeechToTextResult>();
  private ended = false;
  readonly results: AsyncIterable<SpeechToTextResult> = this.queue;

  constructor(
    private readonly options: SpeechToTextStreamOptions,
    private readonly transcribe: (audio: PcmAudio, signal: AbortSignal) => Promise<string>,
    private readonly timeoutMs: number,
    private readonly label: string,
  ) {
    const { signal } = options;
    if (signal?.aborted) this.abort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => this.abort();

  push(samples: Int16Array): void {
    if (!this.ended && samples.length > 0) this.chunks.push(samples.slice());
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const length = this.chunks.reduce((sum, c) => sum + c.length, 0);
    const samples = new Int16Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      samples.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks.length = 0;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const endMs = Math.round((length / this.options.sampleRate) * 1000);
    withTimeout(this.label, this.timeoutMs, this.options.signal, (signal) => this.transcribe({ sampleRate: this.options.sampleRate, samples }, signal)).then(
      (text) => {
        this.queue.push({ text: normalizeTranscript(text), isFinal: true, startMs: 0, endMs });
        this.queue.close();
      },
      (err: unknown) => {
        if (this.options.signal?.aborted) this.queue.close();
        else this.queue.fail(err);
      },
    );
  }

  private abort(): void {
    this.ended = true;
    this.chunks.length = 0;
    this.queue.close();
  }
}

/** Mono 16-bit WAV bytes of `audio`. */
function encodeWav(audio: PcmAudio): Buffer {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, audio.sampleRate, '16', audio.samples);
  return Buffer.from(wav.toBuffer());
}
