/**
 * Text-to-speech through ElevenLabs' streaming endpoint (`POST /v1/text-to-speech/{voice}/stream`)
 * with the official `@elevenlabs/elevenlabs-js` client, asking for raw phone-ready audio
 * (`pcm_16000` or `ulaw_8000`) so no decoder for compressed formats is needed.
 */
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { decodeG711 } from '../audio/index.js';
import type { PcmAudio, TextToSpeech } from '../types.js';
import { ProviderError, toProviderError } from './errors.js';
import { int16FromLittleEndian, withTimeout } from './util.js';

/** Raw audio formats of ElevenLabs that decode without a codec library. */
export type ElevenLabsOutputFormat = 'pcm_16000' | 'ulaw_8000';

/** Options of {@link ElevenLabsTts}; every field but `apiKey` has a default. */
export interface ElevenLabsTtsOptions {
  /** `xi-api-key`; defaults to `ELEVENLABS_API_KEY`. */
  apiKey: string;
  /** API origin, e.g. `http://127.0.0.1:PORT` for a local fake. */
  baseUrl: string;
  /** Voice id used when a call passes none. */
  voiceId: string;
  modelId: string;
  outputFormat: ElevenLabsOutputFormat;
  /** The whole synthesis (request and streamed answer) fails after this long. */
  timeoutMs: number;
}

/** Defaults of {@link ElevenLabsTtsOptions}. */
export const defaultElevenLabsTtsOptions: Omit<ElevenLabsTtsOptions, 'apiKey'> = {
  baseUrl: 'https://api.elevenlabs.io',
  voiceId: 'JBFqnCBsd6RMkjVDRZzb',
  modelId: 'eleven_flash_v2_5',
  outputFormat: 'pcm_16000',
  timeoutMs: 20_000,
};

/** {@link TextToSpeech} backed by ElevenLabs. The SDK's own retries are off; wrap in FallbackTts for those. */
export class ElevenLabsTts implements TextToSpeech {
  readonly label = 'elevenlabs';
  readonly options: ElevenLabsTtsOptions;
  private readonly client: ElevenLabsClient;

  constructor(options: Partial<ElevenLabsTtsOptions> = {}) {
    this.options = { ...defaultElevenLabsTtsOptions, apiKey: process.env.ELEVENLABS_API_KEY ?? '', ...options };
    this.client = new ElevenLabsClient({ apiKey: this.options.apiKey, baseUrl: this.options.baseUrl, maxRetries: 0 });
  }

  /** Synthesizes `text` with `voice` (an ElevenLabs voice id) or the default voice; `language` is ignored. */
  async synthesize(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): Promise<PcmAudio> {
    const { outputFormat, timeoutMs } = this.options;
    const sampleRate = outputFormat === 'pcm_16000' ? 16_000 : 8_000;
    options.signal?.throwIfAborted();
    if (text.trim() === '') return { sampleRate, samples: new Int16Array(0) };
    const bytes = await withTimeout(this.label, timeoutMs, options.signal, (signal) => this.fetchAudio(text, options.voice, signal));
    const samples = outputFormat === 'pcm_16000' ? int16FromLittleEndian(bytes) : decodeG711(bytes, 'mulaw');
    if (samples.length === 0) throw new ProviderError(this.label, 'badRequest', 'answered no audio');
    return { sampleRate, samples };
  }

  /**
   * Streams `text`: yields audio as ElevenLabs sends it (PCM chunks; a sample split across chunks
   * is carried over). The whole answer must arrive within `timeoutMs`.
   */
  async *stream(text: string, options: { voice?: string; language?: string; signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    const { outputFormat, timeoutMs } = this.options;
    const sampleRate = outputFormat === 'pcm_16000' ? 16_000 : 8_000;
    options.signal?.throwIfAborted();
    if (text.trim() === '') return;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let carry: Uint8Array = new Uint8Array(0);
    let any = false;
    try {
      const chunks = await this.client.textToSpeech.stream(
        options.voice ?? this.options.voiceId,
        { text, modelId: this.options.modelId, outputFormat },
        { abortSignal: signal, maxRetries: 0, timeoutInSeconds: Math.ceil(timeoutMs / 1000) },
      );
      for await (const chunk of chunks) {
        let bytes: Uint8Array = chunk;
        if (outputFormat === 'pcm_16000') {
          bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
          const even = bytes.length - (bytes.length % 2);
          carry = bytes.slice(even);
          bytes = bytes.subarray(0, even);
        }
        if (bytes.length === 0) continue;
        any = true;
        yield { sampleRate, samples: outputFormat === 'pcm_16000' ? int16FromLittleEndian(bytes) : decodeG711(bytes, 'mulaw') };
      }
    } catch (err) {
      if (timeout.aborted && !options.signal?.aborted) throw new ProviderError(this.label, 'timeout', `no complete answer within ${timeoutMs} ms`, { cause: err });
      throw toProviderError(this.label, err, options.signal);
    }
    if (!any) throw new ProviderError(this.label, 'badRequest', 'answered no audio');
  }

  private async fetchAudio(text: string, voice: string | undefined, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const stream = await this.client.textToSpeech.stream(
        voice ?? this.options.voiceId,
        { text, modelId: this.options.modelId, outputFormat: this.options.outputFormat },
        { abortSignal: signal, maxRetries: 0, timeoutInSeconds: Math.ceil(this.options.timeoutMs / 1000) },
      );
      const chunks: Uint8Array[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return Buffer.concat(chunks);
    } catch (err) {
      throw toProviderError(this.label, err, signal);
    }
  }
}
