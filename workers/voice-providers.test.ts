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
