/**
 * The providers a flow or a phone number may choose (the flow model's lists, shown in the builder)
 * are the providers the media worker can build (the registry): a provider added to one and not the
 * other fails here, not in a call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STT_PROVIDERS as STT_CHOICES, TTS_PROVIDERS as TTS_CHOICES } from '@switchboard/flow-model';
import { readEnv } from '../../../lib/env.js';
import { hasKey, STT_PROVIDER_IDS, STT_PROVIDERS, TTS_PROVIDER_IDS, TTS_PROVIDERS } from './registry.js';

const sorted = (ids: readonly string[]): string[] => [...ids].sort();

test('the flow model offers exactly the TTS providers the registry builds', () => {
  assert.deepEqual(sorted(TTS_CHOICES), sorted(TTS_PROVIDER_IDS), 'packages/flow-model TTS_PROVIDERS and activities/media/providers/registry.ts TTS_PROVIDERS must list the same ids');
});

test('the flow model offers exactly the STT providers the registry builds', () => {
  assert.deepEqual(sorted(STT_CHOICES), sorted(STT_PROVIDER_IDS), 'packages/flow-model STT_PROVIDERS and activities/media/providers/registry.ts STT_PROVIDERS must list the same ids');
});

test('ids are unique, and the offline providers need no key', () => {
  for (const ids of [TTS_PROVIDER_IDS, STT_PROVIDER_IDS]) assert.equal(new Set(ids).size, ids.length);
  const env = readEnv({});
  assert.deepEqual(TTS_PROVIDERS.filter((p) => hasKey(p, env)).map((p) => p.id), ['espeak']);
  assert.deepEqual(STT_PROVIDERS.filter((p) => hasKey(p, env)).map((p) => p.id), ['pocketsphinx']);
});

test('a cloud provider built without its key names the variable', () => {
  const env = readEnv({});
  for (const provider of [...TTS_PROVIDERS, ...STT_PROVIDERS]) {
    if (!('key' in provider)) continue;
    assert.throws(() => provider.create(env), new RegExp(`${provider.key} is not set`));
  }
  const withKey = readEnv({ DEEPGRAM_API_KEY: 'test-key' });
  assert.equal(STT_PROVIDERS.find((p) => p.id === 'deepgram')?.create(withKey).label.length !== 0, true);
});
