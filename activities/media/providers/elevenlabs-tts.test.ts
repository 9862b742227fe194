import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ElevenLabsTts } from './elevenlabs-tts.js';
import { ProviderError } from './errors.js';
import { FAKE_ELEVENLABS_AUDIO_MS, startFakeElevenLabs } from './testing/fake-elevenlabs.js';
import type { FakeServer } from './testing/fake-server.js';

describe('ElevenLabsTts against the local fake', () => {
  let fake: FakeServer;
  before(async () => (fake = await startFakeElevenLabs({ slowMs: 1_000 })));
  after(() => fake.close());
  beforeEach(() => {
    fake.options.behavior = 'success';
    fake.requests.length = 0;
  });
  const tts = (options: Partial<ConstructorParameters<typeof ElevenLabsTts>[0]> = {}): ElevenLabsTts =>
    new ElevenLabsTts({ apiKey: 'test-key', baseUrl: fake.url, voiceId: 'voice-1', timeoutMs: 300, ...options });

  test('streams 16 kHz PCM and decodes it', async () => {
    const audio = await tts().synthesize('Welcome to Switchboard.');
    assert.equal(audio.sampleRate, 16_000);
    assert.equal(audio.samples.length, (16_000 * FAKE_ELEVENLABS_AUDIO_MS) / 1000);
    assert.ok(Math.max(...audio.samples) > 7_000, 'the tone came through');
    const request = fake.requests[0];
    assert.equal(request?.path, '/v1/text-to-speech/voice-1/stream');
    assert.equal(request?.query.output_format, 'pcm_16000');
    assert.deepEqual(request?.body, { text: 'Welcome to Switchboard.', model_id: 'eleven_flash_v2_5' });
  });

  test('streams µ-law at 8 kHz and decodes it through G.711', async () => {
    const audio = await tts({ outputFormat: 'ulaw_8000' }).synthesize('Hello', { voice: 'voice-2' });
    assert.equal(audio.sampleRate, 8_000);
    assert.equal(audio.samples.length, (8_000 * FAKE_ELEVENLABS_AUDIO_MS) / 1000);
    assert.ok(Math.max(...audio.samples) > 7_000);
    assert.equal(fake.requests[0]?.path, '/v1/text-to-speech/voice-2/stream');
  });

  test('stream() yields the first audio before the answer is complete', async () => {
    fake.options.audioMs = 2_000;
    fake.options.firstChunkDelayMs = 50;
    fake.options.chunkDelayMs = 40;
    try {
      const started = performance.now();
      const arrivals: Array<{ atMs: number; samples: number }> = [];
      for await (const chunk of tts({ timeoutMs: 5_000 }).stream('Your balance is 42 dollars.')) {
        assert.equal(chunk.sampleRate, 16_000);
        arrivals.push({ atMs: performance.now() - started, samples: chunk.samples.length });
      }
      const total = arrivals.reduce((n, a) => n + a.samples, 0);
      assert.equal(total, 32_000, 'every sample of the 2 s answer, none split or lost');
      assert.ok(arrivals.length >= 10, `${arrivals.length} chunks`);
      const first = arrivals[0]?.atMs ?? Infinity;
      const last = arrivals.at(-1)?.atMs ?? 0;
      // 20 chunks 40 ms apart: the whole answer takes ~850 ms, the first chunk ~50 ms.
      assert.ok(last - first > 500, `first at ${first.toFixed(0)} ms, last at ${last.toFixed(0)} ms`);
    } finally {
      fake.options.audioMs = 0;
      fake.options.firstChunkDelayMs = 0;
      fake.options.chunkDelayMs = 1;
    }
  });

  test('stream() fails like synthesize(): a refused key is an auth error', async () => {
    const chunks = tts({ apiKey: 'wrong-secret' }).stream('Hello');
    const err = await (async () => {
      for await (const chunk of chunks) void chunk;
    })().catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'auth');
  });

  test('a refused key rejects with an auth error without the key', async () => {
    const err = await tts({ apiKey: 'wrong-secret' }).synthesize('Hello').catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.deepEqual([err.kind, err.status, err.retryable], ['auth', 401, false]);
    assert.match(err.message, /^elevenlabs failed: HTTP 401/);
    assert.doesNotMatch(err.message, /wrong-secret|Hello/);
  });

  test('a rate limit rejects with a retryable error, without SDK retries', async () => {
    fake.options.behavior = 'rateLimit';
    const err = await tts().synthesize('Hello').catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.deepEqual([err.kind, err.status, err.retryable], ['rateLimit', 429, true]);
    assert.equal(fake.requests.length, 1);
  });

  test('a stream dropped mid-answer rejects with a network error', async () => {
    fake.options.behavior = 'disconnect';
    const err = await tts().synthesize('Hello').catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError, String(err));
    assert.equal(err.kind, 'network');
  });

  test('a slow answer rejects with a timeout after timeoutMs', async () => {
    fake.options.behavior = 'slow';
    const started = Date.now();
    const err = await tts().synthesize('Hello').catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'timeout');
    assert.ok(Date.now() - started < 900);
  });

  test('empty text needs no request', async () => {
    const audio = await tts().synthesize('  ');
    assert.equal(audio.samples.length, 0);
    assert.equal(fake.requests.length, 0);
  });
});
