/**
 * The Go callers' tone-gap measure (tools/caller-go, `caller-go longest-gap`) agrees with
 * caller-shard.ts's longestGap on the same samples: a clean tone, tones with holes of known length
 * and place, a hole too late to count, and no tone at all. Builds caller-go when it is not built yet.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
// @ts-expect-error plain .mjs helper without types
import { resolveTool } from '../../scripts/lib/tools.mjs';
import { longestGap } from './caller-shard';
import { fromWire } from './go-callers';

const RATE = 16_000;
const TONE_MS = 4_000;
let binary: string;

before(async () => {
  binary = (await resolveTool('caller-go')) as string;
});

/** 500 ms of silence, a 440 Hz tone of TONE_MS with the given holes (ms from the tone's start), then 2 s of silence. */
function tone(holes: Array<{ atMs: number; ms: number }>, amplitude = 8_000): Int16Array {
  const lead = RATE / 2;
  const samples = new Int16Array(lead + (RATE * TONE_MS) / 1000 + 2 * RATE);
  for (let i = 0; i < (RATE * TONE_MS) / 1000; i++) {
    const ms = (i / RATE) * 1000;
    if (holes.some((hole) => ms >= hole.atMs && ms < hole.atMs + hole.ms)) continue;
    samples[lead + i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / RATE));
  }
  return samples;
}

function goLongestGap(samples: Int16Array, skipMs: number): { ms: number; atMs: number } {
  const run = spawnSync(binary, ['longest-gap', String(RATE), String(TONE_MS), String(skipMs)], {
    input: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout) as { ms: number | null; atMs: number };
  return { ms: answer.ms ?? Infinity, atMs: answer.atMs };
}

const cases: Array<[string, Int16Array]> = [
  ['a clean tone', tone([])],
  ['a 60 ms hole at 1 s', tone([{ atMs: 1_000, ms: 60 }])],
  ['a 25 ms hole at 100 ms and a 45 ms one at 2.5 s', tone([{ atMs: 100, ms: 25 }, { atMs: 2_500, ms: 45 }])],
  ['a 200 ms hole in the tone\'s last 300 ms', tone([{ atMs: 3_750, ms: 200 }])],
  ['a quiet tone', tone([{ atMs: 1_500, ms: 100 }], 4_500)],
  ['no tone', new Int16Array(RATE * 6)],
  ['too short a tone', tone([]).slice(0, RATE)],
];

for (const [name, samples] of cases) {
  test(`longest gap, Go and TypeScript agree: ${name}`, () => {
    for (const skipMs of [30, 200]) assert.deepEqual(goLongestGap(samples, skipMs), longestGap(samples, RATE, TONE_MS, skipMs), `skipping ${skipMs} ms`);
  });
}

test('the measure finds a known hole', () => {
  const found = goLongestGap(tone([{ atMs: 1_000, ms: 60 }]), 30);
  assert.ok(found.ms >= 55 && found.ms <= 65, `${found.ms} ms`);
  assert.ok(Math.abs(found.atMs - 1_000) <= 10, `at ${found.atMs} ms`);
});

test('a tone not heard crosses the wire as null and arrives as Infinity', () => {
  const result = fromWire({ type: 'result', id: 1, error: 'x', gapMs: null, gapAtMs: 0, steadyGapMs: null });
  assert.equal(result.gapMs, Infinity);
  assert.equal(result.steadyGapMs, Infinity);
  assert.equal(fromWire({ type: 'result', id: 2, gapMs: 15, gapAtMs: 300, steadyGapMs: 10 }).gapMs, 15);
});
