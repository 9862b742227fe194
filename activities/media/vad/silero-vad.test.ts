/** Silero VAD on espeak-ng speech, silence and non-speech sounds. Needs espeak-ng and sox. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, noiseEvent, NOISE_EVENTS, silence, speechFixture, trimSilence } from '../stt/speech-fixtures.js';
import type { VoiceActivityEvent } from '../types.js';
import { SileroVad } from './silero-vad.js';
import { SilenceRecorder } from './silence-recorder.js';

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});
after(() => vad.close());

async function events(samples: Int16Array, options: { endSilenceMs?: number; minSpeechMs?: number; pauseMs?: number } = {}, chunk = 160): Promise<VoiceActivityEvent[]> {
  const stream = vad.stream(options);
  const out: VoiceActivityEvent[] = [];
  for (let at = 0; at < samples.length; at += chunk) out.push(...(await stream.push(samples.subarray(at, at + chunk))));
  stream.close();
  return out;
}

test('speech gives one start and one end, at the right places', async () => {
  const speech = trimSilence(await speechFixture('I would like to pay my bill', { padMs: 0 }));
  const speechMs = (speech.length / 16_000) * 1000;
  const got = await events(concat(silence(1_000), speech, silence(1_500)), { endSilenceMs: 600 });
  assert.deepEqual(got.map((e) => e.type), ['speechStart', 'speechEnd']);
  const [start, end] = got;
  assert.ok(start?.type === 'speechStart' && end?.type === 'speechEnd');
  assert.ok(Math.abs(start.startMs - 1_000) < 150, `start at ${start.startMs}`);
  assert.ok(start.atMs - start.startMs < 400, 'start decided soon after speech began');
  assert.ok(Math.abs(end.endMs - (1_000 + speechMs)) < 250, `end at ${end.endMs} for speech ending at ${1_000 + speechMs}`);
  assert.ok(end.atMs - end.endMs >= 600 && end.atMs - end.endMs < 700, 'end decided after endSilenceMs');
});

test('phone audio with background noise is still speech; a short "no" counts', async () => {
  const got = await events(await speechFixture('no', { channel: 'phone', snrDb: 15, padMs: 800 }));
  assert.deepEqual(got.map((e) => e.type), ['speechStart', 'speechEnd']);
});

test('silence, coughs, clicks, breaths, knocks, hum and static are not speech', async () => {
  assert.deepEqual(await events(silence(2_000)), []);
  for (const kind of NOISE_EVENTS) {
    for (const seed of [1, 2, 3]) {
      assert.deepEqual(await events(noiseEvent(kind, seed)), [], `${kind} #${seed}`);
    }
  }
});

test('the pause between sentences does not end speech unless longer than endSilenceMs', async () => {
  const a = trimSilence(await speechFixture('Hello.', { padMs: 0 }));
  const b = trimSilence(await speechFixture('I need help.', { padMs: 0 }));
  const audio = concat(silence(300), a, silence(500), b, silence(1_200));
  assert.deepEqual((await events(audio, { endSilenceMs: 800 })).map((e) => e.type), ['speechStart', 'speechEnd']);
  assert.deepEqual((await events(audio, { endSilenceMs: 300 })).map((e) => e.type), ['speechStart', 'speechEnd', 'speechStart', 'speechEnd']);
});

test('SilenceRecorder stops after the silence timeout, trimming trailing silence', async () => {
  const speech = trimSilence(await speechFixture('Hi, this is a message for you. Call me back.', { padMs: 0 }));
  const recorder = new SilenceRecorder(vad, { silenceTimeoutMs: 1_500, maxDurationMs: 30_000 });
  const audio = concat(silence(500), speech, silence(3_000));
  for (let at = 0; at < audio.length; at += 320) recorder.push(audio.subarray(at, at + 320));
  const result = await recorder.done;
  assert.equal(result.endedBy, 'silence');
  const expected = 500 + speech.length / 16;
  assert.ok(result.durationMs >= expected && result.durationMs < expected + 500, `recorded ${result.durationMs} ms, speech ends at ${Math.round(expected)}`);
  assert.equal(result.audio.samples.length, result.durationMs * 16);
});

test('SilenceRecorder stops at maxDurationMs and on stop()', async () => {
  const speech = await speechFixture('This message goes on and on and on and on', { padMs: 0 });
  const capped = new SilenceRecorder(vad, { silenceTimeoutMs: 2_000, maxDurationMs: 1_000 });
  capped.push(speech);
  const result = await capped.done;
  assert.equal(result.endedBy, 'maxDuration');
  assert.equal(result.audio.samples.length, 16_000);

  const stopped = new SilenceRecorder(vad, { silenceTimeoutMs: 2_000, maxDurationMs: 10_000 });
  stopped.push(speech.subarray(0, 8_000));
  await new Promise((r) => setTimeout(r, 50));
  stopped.stop('key');
  const byKey = await stopped.done;
  assert.equal(byKey.endedBy, 'key');
  assert.equal(byKey.durationMs, 500);
});

test('pauseMs: a pause within speech is reported once, and speech after it as resume', async () => {
  const a = trimSilence(await speechFixture('Hello.', { padMs: 0 }));
  const b = trimSilence(await speechFixture('I need help.', { padMs: 0 }));
  const got = await events(concat(silence(300), a, silence(500), b, silence(1_200)), { endSilenceMs: 800, pauseMs: 250 });
  assert.deepEqual(got.map((e) => e.type), ['speechStart', 'pause', 'resume', 'pause', 'speechEnd']);
  const [, pause, resume] = got;
  assert.ok(pause?.type === 'pause' && pause.atMs - pause.endMs >= 250 && pause.atMs - pause.endMs < 350, JSON.stringify(pause));
  assert.ok(resume?.type === 'resume' && resume.atMs > pause.atMs);
});
