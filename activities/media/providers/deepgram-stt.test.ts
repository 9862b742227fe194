import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SpeechToTextResult, SpeechToTextStream } from '../types.js';
import { DeepgramStt } from './deepgram-stt.js';
import { ProviderError } from './errors.js';
import { startFakeDeepgram } from './testing/fake-deepgram.js';
import { type FakeServer, sine } from './testing/fake-server.js';

const UTTERANCE = sine(16_000, 600);

async function collect(stream: SpeechToTextStream): Promise<SpeechToTextResult[]> {
  const results: SpeechToTextResult[] = [];
  for await (const result of stream.results) results.push(result);
  return results;
}

/** Pushes the utterance in 20 ms frames, then ends. */
function speak(stream: SpeechToTextStream): void {
  for (let i = 0; i < UTTERANCE.length; i += 320) stream.push(UTTERANCE.subarray(i, i + 320));
  stream.end();
}

describe('DeepgramStt against the local fake', () => {
  let fake: FakeServer;
  before(async () => (fake = await startFakeDeepgram({ slowMs: 1_000 })));
  after(() => fake.close());
  beforeEach(() => {
    fake.options.behavior = 'success';
    fake.requests.length = 0;
  });
  const stt = (apiKey = 'test-key'): DeepgramStt => new DeepgramStt({ apiKey, baseUrl: fake.url, finalTimeoutMs: 300, connectTimeoutMs: 1_000 });

  test('streams audio and answers interim results, then the final transcript', async () => {
    const stream = stt().stream({ sampleRate: 16_000, language: 'en-US' });
    speak(stream);
    const results = await collect(stream);
    const final = results.at(-1);
    assert.deepEqual(final && { text: final.text, isFinal: final.isFinal, confidence: final.confidence }, { text: 'press two for support', isFinal: true, confidence: 0.93 });
    assert.equal(results.filter((r) => r.isFinal).length, 1);
    assert.ok(results.some((r) => !r.isFinal), 'an interim result came first');
    const request = fake.requests[0];
    assert.equal(request?.path, '/v1/listen');
    assert.equal(request?.query.encoding, 'linear16');
    assert.equal(request?.query.sample_rate, '16000');
    assert.equal(request?.query.interim_results, 'true');
    assert.equal(request?.bodyBytes, UTTERANCE.length * 2, 'all audio arrived');
  });

  test('a refused key rejects with an auth error that names the provider and no key', async () => {
    const stream = stt('wrong-secret').stream({ sampleRate: 16_000 });
    speak(stream);
    const err = await collect(stream).then(() => assert.fail('should reject'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'auth');
    assert.equal(err.status, 401);
    assert.match(err.message, /^deepgram failed: HTTP 401/);
    assert.doesNotMatch(err.message, /wrong-secret/);
    assert.equal(fake.requests.length, 1, 'the SDK did not reconnect');
  });

  test('a rate limit rejects with a retryable error', async () => {
    fake.options.behavior = 'rateLimit';
    const stream = stt().stream({ sampleRate: 16_000 });
    speak(stream);
    const err = await collect(stream).then(() => assert.fail('should reject'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'rateLimit');
    assert.ok(err.retryable);
  });

  test('a connection dropped mid-stream rejects with a network error', async () => {
    fake.options.behavior = 'disconnect';
    const stream = stt().stream({ sampleRate: 16_000 });
    speak(stream);
    const err = await collect(stream).then(() => assert.fail('should reject'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'network');
    assert.equal(fake.requests.length, 1, 'the SDK did not reconnect');
  });

  test('a final result slower than finalTimeoutMs rejects with a timeout', async () => {
    fake.options.behavior = 'slow';
    const stream = stt().stream({ sampleRate: 16_000 });
    speak(stream);
    const err = await collect(stream).then(() => assert.fail('should reject'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'timeout');
  });

  test('hints go up as key terms (Nova-3) or keywords (older models)', async () => {
    const nova3 = stt().stream({ sampleRate: 16_000, hints: ['Switchboard'] });
    speak(nova3);
    await collect(nova3);
    const nova2 = new DeepgramStt({ apiKey: 'test-key', baseUrl: fake.url, model: 'nova-2' }).stream({ sampleRate: 16_000, hints: ['Switchboard'] });
    speak(nova2);
    await collect(nova2);
    assert.deepEqual(fake.requests.map((r) => [r.query.model, r.query.keyterm, r.query.keywords]), [
      ['nova-3', 'Switchboard', undefined],
      ['nova-2', undefined, 'Switchboard'],
    ]);
  });

  test('aborting ends the results without a final result', async () => {
    const controller = new AbortController();
    const stream = stt().stream({ sampleRate: 16_000, signal: controller.signal });
    stream.push(UTTERANCE);
    controller.abort();
    const results = await collect(stream);
    assert.equal(results.filter((r) => r.isFinal).length, 0);
  });
});
