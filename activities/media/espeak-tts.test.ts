/** Runs the real espeak-ng binary (apt-get install espeak-ng). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { EspeakTts } from './espeak-tts.js';
import { concat } from './stt/speech-fixtures.js';

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

test('synthesizes a sentence to mono PCM of plausible length and loudness', async () => {
  const tts = new EspeakTts();
  const text = 'Welcome to Switchboard. Press one for sales, or two for support.';
  const audio = await tts.synthesize(text);
  const durationMs = (audio.samples.length / audio.sampleRate) * 1000;

  assert.equal(tts.label, 'espeak-ng');
  assert.ok(audio.samples instanceof Int16Array);
  assert.equal(audio.sampleRate, 22_050);
  // 11 words at 165 wpm is ~4 s of speech; allow generous slack for pauses and voice differences.
  assert.ok(durationMs > 2_000 && durationMs < 8_000, `duration ${durationMs} ms`);
  assert.ok(rms(audio.samples) > 500, `rms ${rms(audio.samples)}`);
});

test('a faster speaking rate gives shorter audio', async () => {
  const text = 'The quick brown fox jumps over the lazy dog.';
  const slow = await new EspeakTts({ speedWpm: 120 }).synthesize(text);
  const fast = await new EspeakTts({ speedWpm: 300 }).synthesize(text);
  assert.ok(fast.samples.length < slow.samples.length * 0.7);
});

test('language selects a voice', async () => {
  const audio = await new EspeakTts().synthesize('Guten Tag', { language: 'de' });
  assert.ok(audio.samples.length > 0);
});

test('empty text gives empty audio without running espeak-ng', async () => {
  const audio = await new EspeakTts({ command: '/nonexistent/espeak-ng' }).synthesize('  ');
  assert.equal(audio.samples.length, 0);
});

test('an unknown voice rejects, naming it, instead of espeak-ng’s silent fallback to another voice', async () => {
  const tts = new EspeakTts();
  await assert.rejects(tts.synthesize('Hello', { voice: 'nosuchvoice' }), /no voice 'nosuchvoice'/);
  // espeak-ng itself would read "no-such-voice" as Norwegian.
  await assert.rejects(tts.synthesize('Hello', { voice: 'no-such-voice' }), /no voice 'no-such-voice'/);
  await assert.rejects(tts.synthesize('Hello', { voice: 'en-us+nosuchvariant' }), /no voice/);
  for (const voice of ['en-us', 'en-GB', 'en-us+f3', 'English_(America)', 'de']) assert.equal(await tts.knows(voice), true, voice);
});

test('a missing binary rejects with an install hint', async () => {
  await assert.rejects(
    new EspeakTts({ command: '/nonexistent/espeak-ng' }).synthesize('Hello'),
    /apt-get install espeak-ng/,
  );
});

test('aborting kills the process and rejects with the abort reason', async () => {
  const controller = new AbortController();
  const longText = 'This sentence goes on and on. '.repeat(400);
  const pending = new EspeakTts().synthesize(longText, { signal: controller.signal });
  const reason = new Error('caller hung up');
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(pending, (err) => err === reason);
});

test('stream(): the same audio as synthesize(), the first sentence before the process ends', async () => {
  const tts = new EspeakTts();
  const text = 'Your balance is forty two dollars. Your next payment is due on the first of March. Thank you for calling, and goodbye.';
  const whole = await tts.synthesize(text);
  const started = performance.now();
  const arrivals: number[] = [];
  const parts: Int16Array[] = [];
  for await (const chunk of tts.stream(text)) {
    assert.equal(chunk.sampleRate, 22_050);
    arrivals.push(performance.now() - started);
    parts.push(chunk.samples);
  }
  const streamed = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    streamed.set(part, at);
    at += part.length;
  }
  assert.deepEqual(streamed, whole.samples, 'sample for sample the same');
  assert.ok(parts.length > 1, `${parts.length} chunks`);
  assert.ok((arrivals[0] ?? Infinity) < (arrivals.at(-1) ?? 0), `first chunk at ${arrivals[0]?.toFixed(1)} ms, last at ${arrivals.at(-1)?.toFixed(1)} ms`);

  const controller = new AbortController();
  const aborted = (async () => {
    for await (const chunk of tts.stream(text, { signal: controller.signal })) {
      void chunk;
      controller.abort(new Error('caller pressed a key'));
    }
  })();
  await assert.rejects(aborted, /caller pressed a key/);
  await assert.rejects(async () => {
    for await (const chunk of tts.stream('Hi', { voice: 'xx-nonsense' })) void chunk;
  }, /no voice 'xx-nonsense'/);
});

/** espeak-ng processes whose parent is this process (read from /proc). */
function espeakChildren(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').trim();
        const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat) ?? [];
        return comm?.startsWith('espeak') && Number(rest?.split(' ')[1]) === process.pid ? [Number(pid)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

async function streamAll(tts: EspeakTts, text: string, options: { voice?: string } = {}): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const part of tts.stream(text, options)) parts.push(part.samples);
  return concat(...parts);
}

test('stream() keeps one process started ahead for its last voice, and the next sentence uses it with the same settings', async () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  const tts = new EspeakTts({ speedWpm: 200 });
  const cold = await new EspeakTts({ speedWpm: 200, spare: false }).synthesize('Ten works for us.');
  await settle();
  const before = espeakChildren();
  await streamAll(tts, 'Tuesday, great.');
  await settle();
  const spare = espeakChildren().filter((pid) => !before.includes(pid));
  assert.equal(spare.length, 1, 'one process waits for the next sentence');
  // The spare speaks the next sentence exactly as a fresh process would (voice, rate and pitch).
  assert.deepEqual(await streamAll(tts, 'Ten works for us.'), cold.samples);
  await settle();
  const next = espeakChildren().filter((pid) => !before.includes(pid));
  assert.equal(next.length, 1, 'and a new one waits again');
  assert.ok(!next.includes(spare[0] as number), 'the first spare was used (and has exited)');
  // Another voice: its own process; the spare of the old voice is not left behind.
  await streamAll(tts, 'Guten Tag.', { voice: 'de' });
  await settle();
  const german = espeakChildren().filter((pid) => !before.includes(pid));
  assert.equal(german.length, 1);
  assert.ok(!german.includes(next[0] as number));
  // Turned off: nothing waits.
  const off = new EspeakTts({ spare: false });
  await streamAll(off, 'Nothing waits after this.');
  await settle();
  assert.deepEqual(espeakChildren().filter((pid) => !before.includes(pid)), german);
});
