import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SpeechToTextResult, SpeechToTextStream } from '../types.js';
import { DeepgramStt } from './deepgram-stt.js';
import { ElevenLabsTts } from './elevenlabs-tts.js';
import { AllProvidersFailedError, FallbackStt, FallbackTts, type FallbackOptions, type ProviderEvent } from './fallback.js';
import { OpenAiStt, OpenAiTts } from './openai.js';
import { startFakeDeepgram } from './testing/fake-deepgram.js';
import { startFakeElevenLabs } from './testing/fake-elevenlabs.js';
import { startFakeOpenAi } from './testing/fake-openai.js';
import { type FakeServer, sine } from './testing/fake-server.js';

describe('fallback across the local fakes', () => {
  let elevenlabs: FakeServer;
  let openai: FakeServer;
  let deepgram: FakeServer;
  let events: ProviderEvent[];
  before(async () => {
    [elevenlabs, openai, deepgram] = await Promise.all([startFakeElevenLabs(), startFakeOpenAi({ transcript: 'Sales.' }), startFakeDeepgram({ slowMs: 1_000 })]);
  });
  after(() => Promise.all([elevenlabs.close(), openai.close(), deepgram.close()]));
  beforeEach(() => {
    events = [];
    for (const fake of [elevenlabs, openai, deepgram]) {
      fake.options.behavior = 'success';
      fake.options.script.length = 0;
      fake.options.apiKey = 'test-key';
      fake.requests.length = 0;
    }
  });
  const options = (): Partial<FallbackOptions> => ({ maxAttempts: 3, initialBackoffMs: 10, attemptTimeoutMs: 500, onEvent: (e) => events.push(e) });
  const tts = (): FallbackTts =>
    new FallbackTts(
      [new ElevenLabsTts({ apiKey: 'test-key', baseUrl: elevenlabs.url, timeoutMs: 1_000 }), new OpenAiTts({ apiKey: 'test-key', baseUrl: `${openai.url}/v1`, timeoutMs: 1_000 })],
      options(),
    );
  const stt = (): FallbackStt =>
    new FallbackStt(
      [new DeepgramStt({ apiKey: 'test-key', baseUrl: deepgram.url }), new OpenAiStt({ apiKey: 'test-key', baseUrl: `${openai.url}/v1` })],
      options(),
    );

  async function say(stream: SpeechToTextStream): Promise<SpeechToTextResult[]> {
    const audio = sine(16_000, 400);
    for (let i = 0; i < audio.length; i += 320) stream.push(audio.subarray(i, i + 320));
    stream.end();
    const results: SpeechToTextResult[] = [];
    for await (const result of stream.results) results.push(result);
    return results;
  }

  describe('FallbackTts', () => {
    test('uses the first provider when it answers', async () => {
      const audio = await tts().synthesize('Hello');
      assert.equal(audio.sampleRate, 16_000);
      assert.deepEqual(events, []);
      assert.equal(openai.requests.length, 0);
    });

    test('rate limited: retries with backoff, then falls back to the second provider', async () => {
      elevenlabs.options.behavior = 'rateLimit';
      const audio = await tts().synthesize('Hello');
      assert.equal(audio.sampleRate, 24_000, 'OpenAI answered');
      assert.equal(elevenlabs.requests.length, 3);
      assert.deepEqual(events, [
        { type: 'providerRetry', kind: 'tts', from: 'elevenlabs', attempt: 1, delayMs: 10, reason: 'HTTP 429' },
        { type: 'providerRetry', kind: 'tts', from: 'elevenlabs', attempt: 2, delayMs: 20, reason: 'HTTP 429' },
        { type: 'providerFallback', kind: 'tts', from: 'elevenlabs', to: 'openai-tts', reason: 'HTTP 429' },
      ]);
    });

    test('a retry that succeeds stays with the provider', async () => {
      elevenlabs.options.script.push('serverError');
      const audio = await tts().synthesize('Hello');
      assert.equal(audio.sampleRate, 16_000);
      assert.deepEqual(events.map((e) => e.type), ['providerRetry']);
    });

    test('sticky: after a fallback the next requests start with the provider that took over', async () => {
      elevenlabs.options.apiKey = 'another-key';
      const chain = new FallbackTts(tts().providers, { ...options(), sticky: true });
      await chain.synthesize('Hello');
      const second = await chain.synthesize('Hello again');
      assert.equal(second.sampleRate, 24_000);
      assert.equal(elevenlabs.requests.length, 1, 'the failed provider was not asked again');
      assert.equal(events.length, 1);
      // Without sticky, every request starts over with the first provider.
      const plain = tts();
      await plain.synthesize('Hello');
      await plain.synthesize('Hello again');
      assert.equal(elevenlabs.requests.length, 3);
    });

    test('stream(): falls back before the first chunk, then plays the provider that answered', async () => {
      elevenlabs.options.behavior = 'serverError';
      const chunks = [];
      for await (const chunk of tts().stream('Hello')) chunks.push(chunk);
      assert.ok(chunks.length >= 1);
      assert.ok(chunks.every((chunk) => chunk.sampleRate === 24_000), 'OpenAI answered');
      assert.deepEqual(events.map((e) => e.type), ['providerRetry', 'providerRetry', 'providerFallback']);
    });

    test('a refused key goes straight to the next provider', async () => {
      elevenlabs.options.apiKey = 'another-key';
      const audio = await tts().synthesize('Hello');
      assert.equal(audio.sampleRate, 24_000);
      assert.equal(elevenlabs.requests.length, 1);
      assert.deepEqual(events, [{ type: 'providerFallback', kind: 'tts', from: 'elevenlabs', to: 'openai-tts', reason: 'HTTP 401' }]);
    });

    test('slow answers time out per attempt and count as retryable', async () => {
      elevenlabs.options.behavior = 'slow';
      elevenlabs.options.slowMs = 2_000;
      const audio = await tts().synthesize('Hello');
      assert.equal(audio.sampleRate, 24_000);
      assert.deepEqual(events.map((e) => [e.type, e.reason]), [
        ['providerRetry', 'no complete answer within 500 ms'],
        ['providerRetry', 'no complete answer within 500 ms'],
        ['providerFallback', 'no complete answer within 500 ms'],
      ]);
    });

    test('when every provider fails, the error lists each without secrets', async () => {
      elevenlabs.options.apiKey = 'another-key';
      openai.options.behavior = 'rateLimit';
      const err = await tts().synthesize('Hello').catch((e: unknown) => e);
      assert.ok(err instanceof AllProvidersFailedError);
      assert.equal(err.message, 'all TTS providers failed: elevenlabs failed: HTTP 401; openai-tts failed: HTTP 429');
      assert.deepEqual(events.at(-1), { type: 'providerFallback', kind: 'tts', from: 'openai-tts', reason: 'HTTP 429' });
    });

    test('aborting stops without falling back', async () => {
      elevenlabs.options.behavior = 'rateLimit';
      const controller = new AbortController();
      const pending = tts().synthesize('Hello', { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('caller hung up')), 5);
      await assert.rejects(pending, /caller hung up/);
      assert.equal(openai.requests.length, 0);
    });
  });

  describe('FallbackStt', () => {
    test('offers what every provider can do', () => {
      assert.deepEqual({ ...stt().capabilities, languages: undefined }, { interimResults: false, grammar: false, hints: true, languages: undefined });
      assert.ok(stt().capabilities.languages.includes('en-us'));
    });

    test('rate limited: retries, then falls back and the second provider hears the whole utterance', async () => {
      deepgram.options.behavior = 'rateLimit';
      const results = await say(stt().stream({ sampleRate: 16_000 }));
      assert.deepEqual(results.at(-1), { text: 'sales', isFinal: true, startMs: 0, endMs: 400 });
      assert.equal(deepgram.requests.length, 3);
      assert.deepEqual(events.map((e) => [e.type, e.from, e.type === 'providerFallback' ? e.to : e.attempt]), [
        ['providerRetry', 'deepgram', 1],
        ['providerRetry', 'deepgram', 2],
        ['providerFallback', 'deepgram', 'openai-stt'],
      ]);
    });

    test('a refused key goes straight to the next provider', async () => {
      deepgram.options.apiKey = 'another-key';
      const results = await say(stt().stream({ sampleRate: 16_000 }));
      assert.equal(results.at(-1)?.text, 'sales');
      assert.deepEqual(events, [{ type: 'providerFallback', kind: 'stt', from: 'deepgram', to: 'openai-stt', reason: 'HTTP 401' }]);
    });

    test('a connection dropped mid-stream is retried with the audio replayed', async () => {
      deepgram.options.script.push('disconnect');
      const results = await say(stt().stream({ sampleRate: 16_000 }));
      assert.equal(results.at(-1)?.text, 'press two for support');
      assert.equal(deepgram.requests.length, 2);
      assert.equal(deepgram.requests[1]?.bodyBytes, 16_000 * 0.4 * 2, 'the retry got the whole utterance');
      assert.deepEqual(events.map((e) => e.type), ['providerRetry']);
    });

    test('a final result slower than attemptTimeoutMs is retried, then falls back', async () => {
      deepgram.options.behavior = 'slow';
      const results = await say(stt().stream({ sampleRate: 16_000 }));
      assert.equal(results.at(-1)?.text, 'sales');
      assert.deepEqual(events.map((e) => e.type), ['providerRetry', 'providerRetry', 'providerFallback']);
    });
  });
});
