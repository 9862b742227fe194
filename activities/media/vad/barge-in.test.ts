import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, loudSpan, NOISE_EVENTS, noiseEvent, phoneChannel, silence, speechFixture } from '../stt/speech-fixtures.js';
import { BargeInDetector, defaultBargeInOptions } from './barge-in.js';
import { SileroVad } from './silero-vad.js';

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});
after(() => vad.close());

/** Pushes audio in 10 ms chunks, letting the detector work; returns the ms of audio pushed when it fired. */
async function run(audio: Int16Array, detector: BargeInDetector, fired: () => boolean): Promise<number | null> {
  for (let at = 0; at < audio.length; at += 160) {
    detector.push(audio.subarray(at, at + 160));
    // The model runs asynchronously; give it each window's turn, as a live call's 10 ms frames would.
    await new Promise((resolve) => setImmediate(resolve));
    if (fired()) return (at + 160) / 16;
  }
  await detector.idle();
  return fired() ? audio.length / 16 : null;
}

test('speech fires once, soon after it starts, and the kept audio begins just before it', async () => {
  const words = await speechFixture('I would like to talk to billing', { channel: 'phone', padMs: 0 });
  const audio = concat(silence(800), words, silence(300));
  const span = loudSpan(audio);
  assert.ok(span);
  let fires = 0;
  const detector = new BargeInDetector(vad, () => fires++);
  const firedAtMs = await run(audio, detector, () => fires > 0);
  assert.ok(firedAtMs !== null, 'speech was detected');
  // The decision takes the minimum speech plus at most a couple of 32 ms model windows.
  const lag = firedAtMs - span.startMs;
  assert.ok(lag >= defaultBargeInOptions.minSpeechMs - 40 && lag <= defaultBargeInOptions.minSpeechMs + 100, `decided ${lag} ms into the speech`);

  // Pushing on keeps the audio, and fires no more.
  for (let at = 0; at < 16_000; at += 160) detector.push(new Int16Array(160));
  assert.equal(fires, 1);
  const kept = concat(...detector.audio());
  const keptFromMs = firedAtMs + 1_000 - kept.length / 16;
  assert.ok(keptFromMs <= span.startMs && keptFromMs >= span.startMs - 400, `kept audio from ${keptFromMs} ms, speech at ${span.startMs} ms`);
  detector.close();
});

test('coughs, clicks, breaths, knocks, hum and static never fire, on wideband or phone audio', async () => {
  const fired: string[] = [];
  for (const kind of NOISE_EVENTS) {
    for (const seed of [1, 2, 3]) {
      const sound = noiseEvent(kind, seed);
      for (const [channel, audio] of [['wideband', sound], ['phone', await phoneChannel(sound)]] as const) {
        let fires = 0;
        const detector = new BargeInDetector(vad, () => fires++);
        await run(audio, detector, () => fires > 0);
        if (fires > 0) fired.push(`${kind}#${seed} ${channel}`);
        assert.deepEqual(detector.audio(), [], 'nothing kept without speech');
        detector.close();
      }
    }
  }
  assert.deepEqual(fired, []);
});

test('a longer minimum speech decides later', async () => {
  const audio = concat(silence(500), await speechFixture('support please', { padMs: 0 }));
  const decidedAt = async (minSpeechMs: number): Promise<number | null> => {
    let fires = 0;
    const detector = new BargeInDetector(vad, () => fires++, { minSpeechMs });
    const at = await run(audio, detector, () => fires > 0);
    detector.close();
    return at;
  };
  const quick = await decidedAt(64);
  const slow = await decidedAt(256);
  assert.ok(quick !== null && slow !== null);
  assert.ok(slow - quick >= 150, `64 ms → ${quick}, 256 ms → ${slow}`);
});
