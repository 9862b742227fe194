/**
 * PocketSphinx recognizer on espeak-ng speech. Needs the Debian packages python3-pocketsphinx,
 * pocketsphinx-en-us, espeak-ng and sox.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeechToTextResult } from '../types.js';
import { BandwidthMeter } from './bandwidth.js';
import { PocketsphinxStt } from './pocketsphinx-stt.js';
import { speechFixture } from './speech-fixtures.js';

const stt = new PocketsphinxStt();
after(() => stt.close());

const MENU = ['sales', 'support', 'billing', 'operator'];

async function recognize(samples: Int16Array, grammar?: string[], chunk = 320): Promise<SpeechToTextResult[]> {
  const stream = stt.stream({ sampleRate: 16_000, grammar });
  for (let at = 0; at < samples.length; at += chunk) stream.push(samples.subarray(at, at + chunk));
  stream.end();
  const results: SpeechToTextResult[] = [];
  for await (const r of stream.results) results.push(r);
  return results;
}

test('menu keywords are recognized with a grammar, on wideband and phone audio', async () => {
  for (const channel of ['wideband', 'phone'] as const) {
    for (const word of MENU) {
      const audio = await speechFixture(word, { channel, voice: 'en-us' });
      const results = await recognize(audio, MENU);
      assert.equal(results.length, 1, 'one final result');
      const [final] = results;
      assert.equal(final?.isFinal, true);
      assert.equal(final?.text, word, `${channel}: ${word}`);
      assert.ok(final.confidence !== undefined && final.confidence > 0 && final.confidence <= 1);
      assert.ok(final.startMs !== undefined && final.endMs !== undefined && final.endMs > final.startMs);
    }
  }
});

test('multi-word phrases and digits as words; phrases with unknown words are left out', async () => {
  const grammar = ['technical support', 'yes', 'no', 'one', 'two', 'three', 'Zorgblatt widgets'];
  for (const text of ['technical support', 'no', 'three']) {
    const [final] = await recognize(await speechFixture(text, { voice: 'en-gb' }), grammar);
    assert.equal(final?.text, text);
  }
});

test('free speech (no grammar) gives interim results and a final transcript', async () => {
  const audio = await speechFixture('I would like to talk to someone about my bill', { speedWpm: 140 });
  const results = await recognize(audio);
  const final = results.at(-1);
  assert.equal(final?.isFinal, true);
  assert.ok(final.text.length > 0, 'some words');
  assert.ok(results.slice(0, -1).every((r) => !r.isFinal));
});

test('silence gives an empty final result', async () => {
  const [final] = await recognize(new Int16Array(16_000), MENU);
  assert.equal(final?.text, '');
  assert.equal(final?.isFinal, true);
});

test('aborting ends the results without a final one; bad options are refused', async () => {
  const controller = new AbortController();
  const stream = stt.stream({ sampleRate: 16_000, grammar: MENU, signal: controller.signal });
  stream.push(await speechFixture('sales'));
  controller.abort();
  const results: SpeechToTextResult[] = [];
  for await (const r of stream.results) results.push(r);
  assert.deepEqual(results, []);
  assert.throws(() => stt.stream({ sampleRate: 8_000 }), /16000 Hz/);
  assert.throws(() => stt.stream({ sampleRate: 16_000, language: 'de-DE' }), /no model for language de-DE/);
});

test('a missing Python is reported with the packages to install', async () => {
  const broken = new PocketsphinxStt({ python: '/nonexistent/python3', keepWarm: false });
  const stream = broken.stream({ sampleRate: 16_000, grammar: MENU });
  stream.end();
  await assert.rejects(async () => {
    for await (const _ of stream.results) { /* none */ }
  }, /python3-pocketsphinx/);
  broken.close();
});

test('phone audio is told from wideband audio by its empty high band', async () => {
  for (const [channel, narrow] of [['wideband', false], ['phone', true]] as const) {
    const meter = new BandwidthMeter(16_000);
    meter.push(await speechFixture('please hold while we transfer your call', { channel }));
    assert.equal(meter.isNarrowband(), narrow, `${channel}: ratio ${meter.highBandRatio()}`);
  }
  assert.equal(new BandwidthMeter(16_000).isNarrowband(), false, 'no audio: not narrowband');
});

test('peek() recognizes the audio so far and the stream goes on to its final result', async () => {
  for (const grammar of [MENU, undefined]) {
    const stream = stt.stream({ sampleRate: 16_000, grammar });
    const results: SpeechToTextResult[] = [];
    const reading = (async () => {
      for await (const r of stream.results) results.push(r);
    })();
    const first = await speechFixture('billing', { padMs: 200 });
    for (let at = 0; at < first.length; at += 320) stream.push(first.subarray(at, at + 320));
    const peeked = await stream.peek!();
    assert.equal(peeked?.isFinal, false);
    if (grammar) {
      assert.equal(peeked?.text, 'billing');
      assert.ok((peeked?.confidence ?? 0) > 0);
    } else assert.ok(peeked?.text, 'free speech: some words');
    const more = await speechFixture('operator', { padMs: 200 });
    for (let at = 0; at < more.length; at += 320) stream.push(more.subarray(at, at + 320));
    stream.end();
    await reading;
    assert.equal(results.filter((r) => r.isFinal).length, 1, 'one final result after the peek');
    assert.equal(await stream.peek!(), null, 'no peek after the end');
  }
});

test('a quick peek of free speech answers with the live decode, and the stream goes on over all the audio', async () => {
  const stream = stt.stream({ sampleRate: 16_000 });
  const results: SpeechToTextResult[] = [];
  const reading = (async () => {
    for await (const r of stream.results) results.push(r);
  })();
  const first = await speechFixture('what are your opening hours', { padMs: 200 });
  for (let at = 0; at < first.length; at += 320) stream.push(first.subarray(at, at + 320));
  const quick = await stream.peek!({ quick: true });
  assert.equal(quick?.isFinal, false);
  assert.ok(quick?.text.split(' ').length, `some words: ${quick?.text}`);
  const full = await stream.peek!();
  assert.ok(full?.text, 'a full peek after a quick one still decodes the audio so far');
  const more = await speechFixture('please', { padMs: 200 });
  for (let at = 0; at < more.length; at += 320) stream.push(more.subarray(at, at + 320));
  stream.end();
  await reading;
  const final = results.filter((r) => r.isFinal);
  assert.equal(final.length, 1, 'one final result');
  // The final covers the audio before and after the quick peek (the live pass restarted over all of it).
  assert.ok((final[0]!.endMs ?? 0) > (full?.endMs ?? Infinity), `final ends at ${final[0]!.endMs} ms, the peek at ${full?.endMs} ms`);
});

/** This process's running decoder processes, and whether each preloads the language model. */
function decoderChildren(): Array<{ pid: number; languageModel: boolean }> {
  const children: Array<{ pid: number; languageModel: boolean }> = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    let cmdline: string[];
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== process.pid || !cmdline.some((arg) => arg.endsWith('pocketsphinx-decoder.py'))) continue;
    children.push({ pid: Number(pid), languageModel: cmdline.includes('--language-model') });
  }
  return children;
}

/** How many of them there are, by kind; `excluding`: processes left by earlier tests (they may still be exiting). */
function decoderProcesses(excluding: ReadonlySet<number> = new Set()): { grammar: number; freeSpeech: number } {
  const children = decoderChildren().filter((child) => !excluding.has(child.pid));
  const freeSpeech = children.filter((child) => child.languageModel).length;
  return { grammar: children.length - freeSpeech, freeSpeech };
}

/** The decoder processes once a finished stream's own decoder has exited (it exits after its last result). */
async function decoderProcessesSettled(expected: { grammar: number; freeSpeech: number }, excluding?: ReadonlySet<number>): Promise<{ grammar: number; freeSpeech: number }> {
  let counted = decoderProcesses(excluding);
  for (let i = 0; i < 50 && (counted.grammar !== expected.grammar || counted.freeSpeech !== expected.freeSpeech); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    counted = decoderProcesses(excluding);
  }
  return counted;
}

test('a spare decoder of each kind waits ready, the free-speech one with its language model loaded, and each stream takes and replaces its own kind', async () => {
  const recognizer = new PocketsphinxStt();
  // Only this recognizer's decoders count: an earlier test's may still be exiting.
  const earlier = new Set(decoderChildren().map((child) => child.pid));
  try {
    await recognizer.warmUp();
    assert.deepEqual(decoderProcesses(earlier), { grammar: 1, freeSpeech: 1 });
    // A free-speech stream runs on the preloaded decoder (it answers), and a new free-speech spare replaces it.
    const stream = recognizer.stream({ sampleRate: 16_000 });
    assert.deepEqual(decoderProcesses(earlier), { grammar: 1, freeSpeech: 2 });
    const audio = await speechFixture('I would like to talk to someone about my bill', { speedWpm: 140 });
    for (let at = 0; at < audio.length; at += 320) stream.push(audio.subarray(at, at + 320));
    stream.end();
    const results: SpeechToTextResult[] = [];
    for await (const result of stream.results) results.push(result);
    assert.ok(results.at(-1)?.isFinal && results.at(-1)?.text, 'a final transcript from the preloaded decoder');
    // A menu stream takes the grammar spare, not the free-speech one.
    const menu = recognizer.stream({ sampleRate: 16_000, grammar: MENU });
    menu.end();
    for await (const result of menu.results) assert.equal(result.text, '');
    const spares = { grammar: 1, freeSpeech: 1 };
    assert.deepEqual(await decoderProcessesSettled(spares, earlier), spares);
  } finally {
    recognizer.close();
  }
});

test('a spare decoder killed while it waits is replaced: the next stream still recognizes', async () => {
  const recognizer = new PocketsphinxStt();
  try {
    await recognizer.warmUp();
    for (const child of decoderChildren()) if (child.languageModel) process.kill(child.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(decoderProcesses().freeSpeech, 0, 'the free-speech spares are gone');
    const stream = recognizer.stream({ sampleRate: 16_000 });
    const audio = await speechFixture('I would like to talk to someone about my bill', { speedWpm: 140 });
    for (let at = 0; at < audio.length; at += 320) stream.push(audio.subarray(at, at + 320));
    stream.end();
    const results: SpeechToTextResult[] = [];
    for await (const result of stream.results) results.push(result);
    assert.ok(results.at(-1)?.isFinal && results.at(-1)?.text, 'a final transcript from a fresh decoder');
  } finally {
    recognizer.close();
  }
});
