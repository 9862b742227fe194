/**
 * Prompt start: how soon a prompt starts playing in a LiveKit room after `say()` is called, when it
 * comes from the prompt cache (in memory, or from the blob store after a restart) and when it must be
 * synthesized by espeak-ng first; and for dynamic prompts from a streaming provider (fake ElevenLabs),
 * streamed from the first chunk versus played after the whole answer. The room is bench/support/bench-room.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EspeakTts } from '../activities/media/espeak-tts';
import { ElevenLabsTts } from '../activities/media/providers/elevenlabs-tts';
import { startFakeElevenLabs } from '../activities/media/providers/testing/fake-elevenlabs';
import type { TextToSpeech } from '../activities/media/types';
import { PromptCache } from '../activities/media/prompt-cache';
import { LocalBlobStore } from '../lib/blob-store';
import { percentile, type Figure } from './report';
import { openBenchRoom } from './support/bench-room';

const PROMPTS = [
  'Thanks for calling Acme. Your call may be recorded.',
  'Press 1 for sales, 2 for support, or say what you need.',
  'Sorry, I did not get that. Please try again.',
  'Please leave a message after the tone.',
  'Goodbye, and thanks for calling.',
];

export async function benchPrompts(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'sb-prompts-'));
  const blobs = new LocalBlobStore(dir);
  const espeak = new EspeakTts();
  // The caller listens, so every prompt really flows to a subscriber.
  const bench = await openBenchRoom('prompts', { hear: () => {} });
  try {
    const warm = new PromptCache(espeak, blobs);
    for (const text of PROMPTS) await warm.warm(text);

    const measure = async (tts: TextToSpeech, rounds: number, texts: (round: number, index: number) => string = (_, index) => PROMPTS[index] as string): Promise<number[]> => {
      const agent = await bench.joinAgent({ tts });
      const starts: number[] = [];
      try {
        for (let round = 0; round < rounds; round++) {
          for (const [index] of PROMPTS.entries()) {
            const text = texts(round, index);
            const controller = new AbortController();
            const called = performance.now();
            let started = NaN;
            const saying = agent.say(text, {
              interruptible: false,
              signal: controller.signal,
              onPlaybackStart: () => {
                started = performance.now() - called;
                controller.abort(new Error('measured'));
              },
            });
            await saying.catch(() => undefined);
            starts.push(started);
          }
        }
      } finally {
        await agent.close();
      }
      return starts;
    };

    const memory = await measure(warm, 4);
    // A worker that just started: nothing in memory, the audio comes from the blob store.
    const coldStarts: number[] = [];
    for (let i = 0; i < 3; i++) coldStarts.push(...(await measure(new PromptCache(espeak, blobs), 1)));
    const uncached = await measure(espeak, 2);
    figures.push({ name: 'cached_prompt_start_p50', value: Math.round(percentile(memory, 50) * 10) / 10, unit: 'ms', note: `say() → first frame to the track, prompt in memory; n=${memory.length}` });
    figures.push({ name: 'cached_prompt_start_p95', value: Math.round(percentile(memory, 95) * 10) / 10, unit: 'ms', note: 'as above' });
    figures.push({ name: 'cached_prompt_start_from_store_p95', value: Math.round(percentile(coldStarts, 95) * 10) / 10, unit: 'ms', note: `fresh worker, WAV read from the blob store; n=${coldStarts.length}` });
    figures.push({ name: 'uncached_prompt_start_p50', value: Math.round(percentile(uncached, 50)), unit: 'ms', note: `espeak-ng synthesis first; n=${uncached.length}` });

    // Dynamic prompts (a variable in the text, so never cached) from a streaming provider: the local
    // fake ElevenLabs server answers 3 s of audio in 100 ms chunks, 150 ms to the first chunk and
    // 50 ms between chunks (faster than real time, as ElevenLabs' flash models stream).
    const fake = await startFakeElevenLabs({ apiKey: 'bench-key', audioMs: 3_000, firstChunkDelayMs: 150, chunkDelayMs: 50 });
    try {
      const elevenLabs = new ElevenLabsTts({ apiKey: 'bench-key', baseUrl: fake.url, timeoutMs: 10_000 });
      const dynamic = (round: number, index: number) => `Your balance is ${round * 10 + index + 1} dollars and ${index * 7} cents.`;
      const streaming = await measure(new PromptCache(elevenLabs, blobs), 3, dynamic);
      // The same provider without its streaming companion: playback waits for the whole answer.
      const whole: TextToSpeech = { label: elevenLabs.label, synthesize: (text, options) => elevenLabs.synthesize(text, options) };
      const nonStreaming = await measure(new PromptCache(whole, blobs), 3, (round, index) => dynamic(round + 100, index));
      figures.push({ name: 'dynamic_prompt_start_streaming_p50', value: Math.round(percentile(streaming, 50)), unit: 'ms', note: `say() → first frame, fake ElevenLabs streaming (150 ms to first chunk, 50 ms/chunk); n=${streaming.length}` });
      figures.push({ name: 'dynamic_prompt_start_streaming_p95', value: Math.round(percentile(streaming, 95)), unit: 'ms', note: 'as above' });
      figures.push({ name: 'dynamic_prompt_start_whole_p50', value: Math.round(percentile(nonStreaming, 50)), unit: 'ms', note: `same provider, playback after the whole 3 s answer; n=${nonStreaming.length}` });
      figures.push({ name: 'dynamic_prompt_start_whole_p95', value: Math.round(percentile(nonStreaming, 95)), unit: 'ms', note: 'as above' });
    } finally {
      await fake.close();
    }
  } finally {
    await bench.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
