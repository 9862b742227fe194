/**
 * The agent's voice in a session: the rate and block size of its published track, and prompts'
 * audio converted to that rate as a stream of blocks (resampled once per cached prompt).
 */
import { AudioFrame, AudioResampler } from '@livekit/rtc-node';
import { concatSamples as joinSamples } from '../dtmf/tone-generator.js';
import type { PcmAudio } from '../types.js';

/**
 * Rate of the agent's published track: wideband speech, the rate of uploaded audio and of most
 * synthesizers' telephone formats. The native side encodes it to Opus as it is, so no prompt is
 * resampled to 48 kHz in the worker, and every block handed over carries a third of the samples.
 */
export const SESSION_SAMPLE_RATE = 16_000;
/**
 * Length of each block handed to the audio source. Large, so a call's prompt costs a few native
 * calls a second instead of fifty; the source's queue (SOURCE_QUEUE_MS) keeps two of them, so an
 * event-loop stall shorter than a block is not heard, and `clearQueue()` still stops a prompt at
 * once on barge-in.
 */
export const FRAME_MS = 100;
/**
 * Audio the native source may hold ahead of real time. Small, so `playedMs` stays accurate;
 * `clearQueue()` drops it on barge-in anyway.
 */
export const SOURCE_QUEUE_MS = 200;

/** One piece of audio as an async iterable. */
export async function* single(audio: PcmAudio): AsyncGenerator<PcmAudio> {
  yield audio;
}

/**
 * Audio is resampled at most this much at a time: a long prompt is converted while its start
 * plays, instead of holding the event loop (and every other call's playback) for the whole of it.
 */
const RESAMPLE_PIECE_MS = 100;

export function concatSamples(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Whole prompts already converted to the session rate, by the audio they came from: cached prompts
 * and uploaded files are the same decoded objects each time they play (the prompt cache's and the
 * asset cache's), so each is resampled once per process, not once per call. Entries go when the
 * source audio leaves its cache.
 */
const atSessionRate = new WeakMap<PcmAudio, { rate: number; samples: Int16Array }>();

/** Resamples a stream of chunks (one rate throughout) with one rtc-node resampler, keeping its state across chunks. */
export async function* resampleStream(source: AsyncIterable<PcmAudio>, toRate: number): AsyncGenerator<Int16Array> {
  let resampler: AudioResampler | undefined;
  let fromRate = 0;
  let chunks = 0;
  // The first chunk and what it became: remembered when it turns out to be the whole prompt.
  let first: PcmAudio | undefined;
  const converted: Int16Array[] = [];
  try {
    for await (const audio of source) {
      chunks++;
      if (audio.samples.length === 0) continue;
      if (audio.sampleRate === toRate) {
        yield audio.samples;
        continue;
      }
      const known = chunks === 1 ? atSessionRate.get(audio) : undefined;
      if (known?.rate === toRate) {
        yield known.samples;
        continue;
      }
      if (chunks === 1) first = audio;
      if (!resampler) {
        fromRate = audio.sampleRate;
        resampler = new AudioResampler(fromRate, toRate, 1);
      }
      const piece = Math.max(1, Math.round((fromRate * RESAMPLE_PIECE_MS) / 1000));
      for (let offset = 0; offset < audio.samples.length; offset += piece) {
        // The input must own its ArrayBuffer (see the slice note in play()).
        const input = audio.samples.slice(offset, offset + piece);
        const out = joinFrames(resampler.push(new AudioFrame(input, fromRate, 1, input.length)));
        if (out.length > 0) {
          if (chunks === 1) converted.push(out);
          yield out;
        }
      }
    }
    if (resampler) {
      const tail = joinFrames(resampler.flush());
      if (chunks === 1) converted.push(tail);
      if (tail.length > 0) yield tail;
    }
    if (first && chunks === 1) atSessionRate.set(first, { rate: toRate, samples: joinSamples(converted) });
  } finally {
    resampler?.close();
  }
}

function joinFrames(frames: AudioFrame[]): Int16Array {
  const total = frames.reduce((n, f) => n + f.samplesPerChannel, 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const f of frames) {
    out.set(f.data.subarray(0, f.samplesPerChannel), at);
    at += f.samplesPerChannel;
  }
  return out;
}
