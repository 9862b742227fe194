import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinWavs, wavChannels } from '../../lib/wav';
import { CallRecorder, RECORDING_SAMPLE_RATE } from './call-recorder';

/** A recorder on a hand-driven clock; saves are kept. */
function recorder() {
  let clock = 1_000;
  const saved: Uint8Array[] = [];
  const rec = new CallRecorder({ save: async (wav) => void saved.push(wav), flushEveryMs: 60_000, now: () => clock });
  return { rec, saved, advance: (ms: number) => (clock += ms) };
}

const tone = (length: number, value = 8_000) => new Int16Array(length).fill(value);
const rms = (samples: Int16Array, from: number, to: number) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
};

test('caller audio goes left, what the call plays goes right, each at the time it is heard', async () => {
  const { rec, advance } = recorder();
  // 0-1 s: the system plays 1 s of audio (48 kHz frames of 10 ms, pushed with 0-20 ms queued ahead).
  for (let i = 0; i < 100; i++) {
    rec.onAgent({ kind: 'audio', samples: tone(480, 10_000), sampleRate: 48_000, delayMs: 0 });
    advance(10);
  }
  // 1-2 s: silence both ways; 2-3 s: the caller speaks (16 kHz chunks of 10 ms, in real time).
  advance(1_000);
  for (let i = 0; i < 100; i++) {
    advance(10);
    rec.onCaller(tone(160, 6_000));
  }
  await rec.stop();
  const { sampleRate, channels } = wavChannels(await rec.toWav());
  assert.equal(sampleRate, RECORDING_SAMPLE_RATE);
  const [left, right] = channels as [Int16Array, Int16Array];
  const s = (seconds: number) => Math.round(seconds * RECORDING_SAMPLE_RATE);
  assert.ok(rms(right, s(0.1), s(0.9)) > 8_000, 'the prompt is on the right');
  assert.ok(rms(left, s(0.1), s(0.9)) < 1, 'the left is silent while only the system speaks');
  assert.ok(rms(left, s(2.1), s(2.9)) > 5_000, 'the caller is on the left, two seconds in');
  assert.ok(rms(right, s(2.1), s(2.9)) < 1, 'the right is silent while only the caller speaks');
  assert.ok(rms(left, s(1.1), s(1.9)) < 1 && rms(right, s(1.2), s(1.9)) < 1, 'a pause stays silent');
});

test('audio dropped unheard (a barge-in) is cut from the right channel', async () => {
  const { rec, advance } = recorder();
  // A 2 s prompt is queued at once, then cleared after 500 ms.
  for (let i = 0; i < 200; i++) rec.onAgent({ kind: 'audio', samples: tone(480), sampleRate: 48_000, delayMs: i * 10 });
  advance(500);
  rec.onAgent({ kind: 'cleared' });
  advance(1_000);
  rec.onCaller(tone(160, 100));
  const [, right] = wavChannels(await rec.toWav()).channels as [Int16Array, Int16Array];
  const lastSound = right.findLastIndex((sample) => Math.abs(sample) > 1_000);
  const heardMs = (lastSound / RECORDING_SAMPLE_RATE) * 1000;
  assert.ok(heardMs > 450 && heardMs < 560, `the prompt's sound ends at ${heardMs} ms`);
});

test('the part is saved periodically and on stop; parts join in order', async () => {
  const saved: Uint8Array[] = [];
  const rec = new CallRecorder({ save: async (wav) => void saved.push(wav), flushEveryMs: 30 });
  rec.onCaller(tone(1_600));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(saved.length >= 2, `saved ${saved.length} times before the end`);
  const before = saved.length;
  await rec.stop();
  assert.equal(saved.length, before + 1);
  rec.onCaller(tone(1_600));
  await rec.stop();
  assert.equal(saved.length, before + 1, 'nothing after stop');

  const first = saved.at(-1) as Uint8Array;
  const joined = wavChannels(joinWavs([first, first]));
  assert.equal(joined.channels.length, 2);
  assert.equal(joined.channels[0]?.length, 2 * (wavChannels(first).channels[0]?.length ?? 0));
});
