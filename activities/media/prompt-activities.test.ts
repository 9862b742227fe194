/**
 * `warmPrompts` with a real provider chain (ElevenLabs' SDK against the local fake ElevenLabs
 * server, then espeak-ng): a number's preferred provider caches its prompts under the chain's name;
 * when it fails, what the next provider said is not stored in its place.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { LocalBlobStore } from '../../lib/blob-store';
import { createLogger } from '../../lib/logger';
import type { ProviderEvent } from '../../lib/contracts/media';
import { EspeakTts } from './espeak-tts';
import { PromptCache } from './prompt-cache';
import { createPromptActivities } from './prompt-activities';
import { ElevenLabsTts } from './providers/elevenlabs-tts';
import { FallbackTts } from './providers/fallback';
import { startFakeElevenLabs } from './providers/testing/fake-elevenlabs';
import type { FakeServer } from './providers/testing/fake-server';

let dir: string;
let fake: FakeServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-warm-'));
  fake = await startFakeElevenLabs({ apiKey: 'test-key' });
});
after(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

const espeak = new EspeakTts();
const prompts = [
  { text: 'Thanks for calling.', ttsProvider: 'elevenlabs' },
  { text: 'Press 1 for sales.', ttsProvider: 'elevenlabs' },
  { text: 'Goodbye.' },
];

/** Prompt activities over a fresh blob store; a number preferring ElevenLabs gets ElevenLabs then espeak-ng, as a call does. */
function activities(store: string) {
  const blobs = new LocalBlobStore(join(dir, store));
  const cache = new PromptCache(espeak, blobs);
  const chain = (provider: string | undefined, onEvent: (event: ProviderEvent) => void) =>
    cache.via(
      provider === 'elevenlabs'
        ? new FallbackTts([new ElevenLabsTts({ apiKey: 'test-key', baseUrl: fake.url, timeoutMs: 2000 }), espeak], { onEvent, initialBackoffMs: 10, sticky: true })
        : espeak,
    );
  return { blobs, ...createPromptActivities({ cache, blobs, logger: createLogger('media-worker', 'silent'), warmChain: chain }) };
}
const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(fn);
const stored = async (store: string) => (await readdir(join(dir, store, 'prompts')).catch(() => [])).length;

test('a number’s preferred provider speaks its prompts into the cache, under that chain’s name; a second run finds them', async () => {
  fake.options.behavior = 'success';
  const { warmPrompts } = activities('ok');
  const before = fake.requests.length;
  assert.deepEqual(await run(() => warmPrompts({ prompts })), { synthesized: 3, cached: 0 });
  assert.equal(fake.requests.length - before, 2, 'ElevenLabs spoke the two prompts that prefer it');
  assert.equal(await stored('ok'), 3);
  assert.deepEqual(await run(() => warmPrompts({ prompts })), { synthesized: 0, cached: 3 });
});

test('when the preferred provider fails, what the next one says is not cached in its place, and its other prompts are left to calls', async () => {
  fake.options.behavior = 'serverError';
  const { warmPrompts } = activities('failing');
  const before = fake.requests.length;
  // The prompt without a preferred provider is cached as usual.
  assert.deepEqual(await run(() => warmPrompts({ prompts })), { synthesized: 1, cached: 0, notCached: 2 });
  assert.equal(fake.requests.length - before, 3, 'one prompt, three attempts; the second prompt was not tried');
  assert.equal(await stored('failing'), 1);
});
