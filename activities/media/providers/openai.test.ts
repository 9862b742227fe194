import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SpeechToTextResult, SpeechToTextStream } from '../types.js';
import { ProviderError } from './errors.js';
import { OpenAiStt, OpenAiTts } from './openai.js';
import { FAKE_OPENAI_AUDIO_MS, startFakeOpenAi } from './testing/fake-openai.js';
import { type FakeServer, sine } from './testing/fake-server.js';

async function transcribe(stream: SpeechToTextStream): Promise<SpeechToTextResult[]> {
  stream.push(sine(16_000, 300));
  stream.push(sine(16_000, 300));
  stream.end();
  const results: SpeechToTextResult[] = [];
  for await (const result of stream.results) results.push(result);
  return results;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(() => assert.fail('should reject'), (e: unknown) => e);
  assert.ok(err instanceof ProviderError, String(err));
  return err;
}

describe('OpenAI speech against the local fake', () => {
  let fake: FakeServer;
  before(async () => (fake = await startFakeOpenAi({ slowMs: 1_000 })));
  after(() => fake.close());
  beforeEach(() => {
    fake.options.behavior = 'success';
    fake.requests.length = 0;
  });
  const connection = (apiKey = 'test-key') => ({ apiKey, baseUrl: `${fake.url}/v1`, timeoutMs: 300 });

  describe('OpenAiTts', () => {
    test('answers 24 kHz PCM', async () => {
      const audio = await new OpenAiTts(connection()).synthesize('Welcome.', { voice: 'coral' });
      assert.equal(audio.sampleRate, 24_000);
      assert.equal(audio.samples.length, (24_000 * FAKE_OPENAI_AUDIO_MS) / 1000);
      assert.deepEqual(fake.requests[0]?.body, { model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Welcome.', response_format: 'pcm' });
    });

    test('a refused key is an auth error without the key', async () => {
      const err = await failure(new OpenAiTts(connection('wrong-secret')).synthesize('Welcome.'));
      assert.deepEqual([err.kind, err.status], ['auth', 401]);
      assert.doesNotMatch(err.message, /wrong-secret|Welcome/);
    });

    test('a rate limit is retryable and not retried by the SDK', async () => {
      fake.options.behavior = 'rateLimit';
      const err = await failure(new OpenAiTts(connection()).synthesize('Welcome.'));
      assert.deepEqual([err.kind, err.retryable], ['rateLimit', true]);
      assert.equal(fake.requests.length, 1);
    });

    test('a dropped stream is a network error', async () => {
      fake.options.behavior = 'disconnect';
      assert.equal((await failure(new OpenAiTts(connection()).synthesize('Welcome.'))).kind, 'network');
    });

    test('a slow answer is a timeout', async () => {
      fake.options.behavior = 'slow';
      assert.equal((await failure(new OpenAiTts(connection()).synthesize('Welcome.'))).kind, 'timeout');
    });

    test('stream(): the PCM body chunk by chunk, first chunk long before the last', async () => {
      Object.assign(fake.options, { audioMs: 1_000, firstChunkDelayMs: 20, chunkDelayMs: 40 });
      try {
        const started = performance.now();
        const arrivals: number[] = [];
        let samples = 0;
        for await (const chunk of new OpenAiTts({ ...connection(), timeoutMs: 5_000 }).stream('Welcome.')) {
          assert.equal(chunk.sampleRate, 24_000);
          arrivals.push(performance.now() - started);
          samples += chunk.samples.length;
        }
        assert.equal(samples, 24_000);
        assert.ok(arrivals.length >= 5 && (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) > 200, arrivals.map((a) => a.toFixed(0)).join(','));
      } finally {
        Object.assign(fake.options, { audioMs: 0, firstChunkDelayMs: 0, chunkDelayMs: 1 });
      }
    });

    test('stream(): a dropped connection mid-answer is a network error', async () => {
      fake.options.behavior = 'disconnect';
      const err = await failure(
        (async () => {
          for await (const chunk of new OpenAiTts(connection()).stream('Welcome.')) void chunk;
        })(),
      );
      assert.equal(err.kind, 'network');
    });
  });

  describe('OpenAiStt', () => {
    test('sends one WAV at end() and answers one final, normalized result', async () => {
      const results = await transcribe(new OpenAiStt(connection()).stream({ sampleRate: 16_000, language: 'en-US' }));
      assert.deepEqual(results, [{ text: 'press two for support', isFinal: true, startMs: 0, endMs: 600 }]);
      assert.equal(fake.requests.length, 1);
      assert.equal(fake.requests[0]?.path, '/v1/audio/transcriptions');
      assert.ok((fake.requests[0]?.bodyBytes ?? 0) > 600 * 32, 'the whole utterance was uploaded');
    });

    test('a refused key is an auth error', async () => {
      const err = await failure(transcribe(new OpenAiStt(connection('wrong-secret')).stream({ sampleRate: 16_000 })));
      assert.deepEqual([err.kind, err.status], ['auth', 401]);
    });

    test('a rate limit is retryable', async () => {
      fake.options.behavior = 'rateLimit';
      assert.equal((await failure(transcribe(new OpenAiStt(connection()).stream({ sampleRate: 16_000 })))).kind, 'rateLimit');
    });

    test('a dropped connection is a network error', async () => {
      fake.options.behavior = 'disconnect';
      assert.equal((await failure(transcribe(new OpenAiStt(connection()).stream({ sampleRate: 16_000 })))).kind, 'network');
    });

    test('a slow answer is a timeout', async () => {
      fake.options.behavior = 'slow';
      assert.equal((await failure(transcribe(new OpenAiStt(connection()).stream({ sampleRate: 16_000 })))).kind, 'timeout');
    });

    test('aborting ends the results without a request', async () => {
      const controller = new AbortController();
      const stream = new OpenAiStt(connection()).stream({ sampleRate: 16_000, signal: controller.signal });
      stream.push(sine(16_000, 100));
      controller.abort();
      stream.end();
      const results: SpeechToTextResult[] = [];
      for await (const result of stream.results) results.push(result);
      assert.deepEqual(results, []);
      assert.equal(fake.requests.length, 0);
    });
  });
});
