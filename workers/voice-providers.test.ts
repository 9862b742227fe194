import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeElevenLabs } from '../activities/media/providers/testing/fake-elevenlabs';
import type { FakeServer } from '../activities/media/providers/testing/fake-server';
import { readEnv } from '../lib/env';
import { createLogger } from '../lib/logger';
import { createMediaMetrics, createMetricsRegistry } from '../lib/metrics';
import { metricValue } from '../test/support/metrics';
import { createVoiceProviders } from './voice-providers';

const logger = createLogger('voice-providers-test', 'silent');
let elevenLabs: FakeServer;
before(async () => {
  elevenLabs = await startFakeElevenLabs({ apiKey: 'right-key' });
});
after(async () => {
  await elevenLabs?.close();
});

test('the defaults need no accounts: espeak-ng speaks', async () => {
  const voices = createVoiceProviders(readEnv({}), logger);
  try {
    assert.equal(voices.tts.label, 'espeak-ng');
    const audio = await voices.tts.synthesize('Hello there.');
    assert.ok(audio.samples.length > audio.sampleRate * 0.4);
  } finally {
    voices.close();
  }
});

test('a misconfiguration names the variable', () => {
  assert.throws(() => createVoiceProviders(readEnv({ TTS_PROVIDERS: 'elevenlabs' }), logger), /ELEVENLABS_API_KEY is not set/);
  assert.throws(() => createVoiceProviders(readEnv({ STT_PROVIDERS: 'whisper' }), logger), /STT_PROVIDERS: unknown provider 'whisper'/);
});

test('ElevenLabs first, espeak-ng second: a refused key falls back and the caller still hears speech', async () => {
  const env = readEnv({ TTS_PROVIDERS: 'elevenlabs,espeak', ELEVENLABS_API_KEY: 'wrong-key', ELEVENLABS_BASE_URL: elevenLabs.url });
  const voices = createVoiceProviders(env, logger);
  try {
    const audio = await voices.tts.synthesize('Thanks for calling.');
    assert.equal(audio.sampleRate, 22_050, 'espeak-ng answered');
    assert.equal(elevenLabs.requests.at(-1)?.behavior, 'badKey');

    const working = createVoiceProviders(readEnv({ TTS_PROVIDERS: 'elevenlabs,espeak', ELEVENLABS_API_KEY: 'right-key', ELEVENLABS_BASE_URL: elevenLabs.url }), logger);
    const fromCloud = await working.tts.synthesize('Thanks for calling.');
    assert.equal(fromCloud.sampleRate, 16_000, 'ElevenLabs answered (pcm_16000)');
    working.close();
  } finally {
    voices.close();
  }
});

test('provider errors and fallbacks are counted in the media worker metrics', async () => {
  const registry = createMetricsRegistry('media-worker');
  const metrics = createMediaMetrics(registry, () => ({ sessions: 0, acceptingCalls: true }));
  const env = readEnv({ TTS_PROVIDERS: 'elevenlabs,espeak', ELEVENLABS_API_KEY: 'wrong-key', ELEVENLABS_BASE_URL: elevenLabs.url });
  const voices = createVoiceProviders(env, logger, metrics.onProviderEvent);
  try {
    const before = await registry.metrics();
    assert.equal(metricValue(before, 'switchboard_provider_fallbacks_total'), 0);
    await voices.tts.synthesize('Thanks for calling.');
    await voices.tts.synthesize('Goodbye.');
    const text = await registry.metrics();
    assert.equal(metricValue(text, 'switchboard_provider_fallbacks_total', { from: 'elevenlabs', to: 'espeak-ng' }), 2);
    // A refused key is not retried: one error per synthesis.
    assert.equal(metricValue(text, 'switchboard_provider_errors_total', { provider: 'elevenlabs' }), 2);
    assert.equal(metricValue(text, 'switchboard_calls_active', { process: 'media-worker' }), 0);
    assert.equal(metricValue(text, 'switchboard_media_accepting_calls'), 1);
  } finally {
    voices.close();
  }
});

test('per-call chains: the chosen provider first, the worker order after it; an unusable choice is reported', async () => {
  // The worker speaks with espeak-ng; ElevenLabs is usable because its key is set.
  const env = readEnv({ TTS_PROVIDERS: 'espeak', ELEVENLABS_API_KEY: 'right-key', ELEVENLABS_BASE_URL: elevenLabs.url });
  const voices = createVoiceProviders(env, logger);
  try {
    assert.deepEqual(voices.catalog.ttsNames, ['espeak', 'elevenlabs']);
    assert.deepEqual(voices.catalog.sttNames, ['pocketsphinx']);
    const events: unknown[] = [];
    const chosen = voices.catalog.tts('elevenlabs', { onEvent: (event) => events.push(event) });
    assert.equal(chosen.label, 'fallback(elevenlabs,espeak-ng)');
    assert.equal((await chosen.synthesize('Hello.')).sampleRate, 16_000, 'ElevenLabs answered');

    // The provider fails for the rest of the call: one fallback, then espeak-ng keeps the call.
    elevenLabs.options.behavior = 'serverError';
    const before = elevenLabs.requests.length;
    const failing = voices.catalog.tts('elevenlabs', { onEvent: (event) => events.push(event), fallback: { initialBackoffMs: 5, maxAttempts: 2 } });
    assert.equal((await failing.synthesize('Hello.')).sampleRate, 22_050, 'espeak-ng answered');
    assert.equal((await failing.synthesize('Goodbye.')).sampleRate, 22_050);
    assert.equal(elevenLabs.requests.length - before, 2, 'two attempts, then never again in this chain');
    assert.deepEqual(events.at(-1), { type: 'providerFallback', kind: 'tts', from: 'elevenlabs', to: 'espeak-ng', reason: 'HTTP 503' });

    // The call's voice is the chosen provider's (an ElevenLabs voice id): espeak-ng, taking over,
    // speaks with its own default voice instead of failing on a name it does not know.
    const withVoice = voices.catalog.tts('elevenlabs', { onEvent: (event) => events.push(event), fallback: { initialBackoffMs: 5, maxAttempts: 1 } });
    assert.equal((await withVoice.synthesize('Hello.', { voice: 'JBFqnCBsd6RMkjVDRZzb' })).sampleRate, 22_050);

    // OpenAI has no key on this worker: the call gets the worker's chain and a fallback event.
    events.length = 0;
    const unusable = voices.catalog.tts('openai', { onEvent: (event) => events.push(event) });
    assert.equal(unusable.label, 'espeak-ng');
    assert.deepEqual(events, [{ type: 'providerFallback', kind: 'tts', from: 'openai', to: 'espeak-ng', reason: 'not configured' }]);
    // No preference and nobody listening: the worker's own chain, shared.
    assert.equal(voices.catalog.tts(undefined), voices.tts);
  } finally {
    elevenLabs.options.behavior = 'success';
    voices.close();
  }
});
