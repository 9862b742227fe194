/**
 * Generated caller audio for tests and bench/speech.ts: espeak-ng speech at 16 kHz, the same over
 * a telephone channel (300–3400 Hz, 8 kHz µ-law, back to 16 kHz, by sox), background noise at a
 * given SNR, and non-speech sounds (coughs, clicks, breaths, hum) that must not count as speech.
 * Deterministic: the same arguments give the same samples.
 */
import { spawn } from 'node:child_process';
import wavefile from 'wavefile';

export const FIXTURE_SAMPLE_RATE = 16_000;

/** How the caller's audio reached us. */
export type Channel = 'wideband' | 'phone';

export interface SpeechFixtureOptions {
  /** espeak-ng voice, e.g. `en-us`, `en-gb`, `en-us+f3`. */
  voice?: string;
  speedWpm?: number;
  channel?: Channel;
  /** Silence before and after the speech. */
  padMs?: number;
  /** Background noise (pink) at this signal-to-noise ratio in dB; none when omitted. */
  snrDb?: number;
  /** Seed of the noise. */
  seed?: number;
}

/** Runs a command with `input` on stdin and resolves with its stdout. */
function run(command: string, args: string[], input: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.on('error', () => {});
    child.on('error', (e) => reject(new Error(`${command} could not be started: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} failed (${code}): ${err.trim()}`))));
    child.stdin.end(input);
  });
}

function toInt16(bytes: Buffer): Int16Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Int16Array(copy.buffer, 0, Math.floor(copy.byteLength / 2));
}

function toBuffer(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** espeak-ng speech of `text`, 16 kHz mono, without padding. */
export async function synthesize(text: string, voice = 'en-us', speedWpm = 165): Promise<Int16Array> {
  const wav = await run('espeak-ng', ['--stdout', '-v', voice, '-s', String(speedWpm)], text);
  const raw = await run('sox', ['-t', 'wav', '-', '-t', 'raw', '-r', String(FIXTURE_SAMPLE_RATE), '-e', 'signed-integer', '-b', '16', '-c', '1', '-'], wav);
  return toInt16(raw);
}

/** The audio as a phone call carries it: band-limited to 300–3400 Hz, 8 kHz G.711 µ-law, back at 16 kHz. */
export async function phoneChannel(samples: Int16Array): Promise<Int16Array> {
  const raw16 = ['-t', 'raw', '-r', String(FIXTURE_SAMPLE_RATE), '-e', 'signed-integer', '-b', '16', '-c', '1'];
  const ulaw = await run('sox', [...raw16, '-', '-t', 'raw', '-r', '8000', '-e', 'u-law', '-b', '8', '-', 'sinc', '300-3400'], toBuffer(samples));
  const back = await run('sox', ['-t', 'raw', '-r', '8000', '-e', 'u-law', '-b', '8', '-c', '1', '-', ...raw16, '-'], ulaw);
  return toInt16(back);
}

/** Speech of `text` as a caller would send it. */
export async function speechFixture(text: string, options: SpeechFixtureOptions = {}): Promise<Int16Array> {
  const speech = await synthesize(text, options.voice, options.speedWpm);
  const pad = Math.round(((options.padMs ?? 300) * FIXTURE_SAMPLE_RATE) / 1000);
  let audio: Int16Array = new Int16Array(speech.length + 2 * pad);
  audio.set(speech, pad);
  if (options.snrDb !== undefined) audio = mix(audio, pinkNoise(audio.length, options.seed ?? 1), gainForSnr(speech, options.snrDb));
  return options.channel === 'phone' ? phoneChannel(audio) : audio;
}

/** Small deterministic PRNG (mulberry32), uniform in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Pink (1/f) noise of unit-ish RMS ~3000, by Paul Kellet's filter. */
export function pinkNoise(length: number, seed: number): Float32Array {
  const rnd = random(seed);
  const out = new Float32Array(length);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < length; i++) {
    const white = rnd() * 2 - 1;
    b0 = 0.99886 * b0 + white * 0.0555179;
    b1 = 0.99332 * b1 + white * 0.0750759;
    b2 = 0.969 * b2 + white * 0.153852;
    b3 = 0.8665 * b3 + white * 0.3104856;
    b4 = 0.55 * b4 + white * 0.5329522;
    b5 = -0.7616 * b5 - white * 0.016898;
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362) * 1000;
    b6 = white * 0.115926;
  }
  return out;
}

function rms(samples: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < samples.length; i++) s += (samples[i] ?? 0) ** 2;
  return Math.sqrt(s / Math.max(1, samples.length));
}

/** Gain for noise so that speech RMS / noise RMS = snrDb (speech RMS over its loud part). */
function gainForSnr(speech: Int16Array, snrDb: number): number {
  // RMS over frames louder than -40 dBFS, so leading/trailing silence does not lower it.
  const frame = 320;
  const loud: number[] = [];
  for (let i = 0; i + frame <= speech.length; i += frame) {
    const r = rms(speech.subarray(i, i + frame));
    if (r > 328) loud.push(r * r);
  }
  const speechRms = Math.sqrt(loud.reduce((a, b) => a + b, 0) / Math.max(1, loud.length));
  const noiseRms = rms(pinkNoise(16_000, 99));
  return speechRms / noiseRms / 10 ** (snrDb / 20);
}

/** `a + gain·b`, clipped to 16 bits. */
export function mix(a: Int16Array, b: Float32Array, gain = 1): Int16Array {
  const out = new Int16Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = (a[i] ?? 0) + gain * (b[i] ?? 0);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
  }
  return out;
}

/** Kinds of non-speech sound of {@link noiseEvent}. */
export const NOISE_EVENTS = ['cough', 'click', 'breath', 'knock', 'hum', 'static'] as const;
export type NoiseEvent = (typeof NOISE_EVENTS)[number];

/**
 * A non-speech sound, `padMs` of silence either side: a cough (a 250 ms burst of band-passed noise
 * with a fast attack), a click (5 ms), a breath (500 ms of soft noise), a knock (three decaying
 * thumps), mains hum (1 s of 50 Hz and harmonics), line static (1 s of crackle).
 */
export function noiseEvent(kind: NoiseEvent, seed = 1, padMs = 300): Int16Array {
  const rnd = random(seed);
  const sr = FIXTURE_SAMPLE_RATE;
  const pad = Math.round((padMs * sr) / 1000);
  const body: number[] = [];
  const n = (ms: number): number => Math.round((ms * sr) / 1000);
  switch (kind) {
    case 'cough': {
      // Noise through a resonator around 1–2 kHz, sharp attack, ~250 ms decay; loud.
      const len = n(200 + rnd() * 150);
      const f = 900 + rnd() * 900;
      const r = 0.97;
      const c = 2 * r * Math.cos((2 * Math.PI * f) / sr);
      let y1 = 0, y2 = 0;
      for (let i = 0; i < len; i++) {
        const env = Math.min(1, i / n(10)) * Math.exp(-i / n(90));
        const y = (rnd() * 2 - 1) * 4000 + c * y1 - r * r * y2;
        y2 = y1;
        y1 = y;
        body.push(y * env * 0.6);
      }
      break;
    }
    case 'click':
      for (let i = 0; i < n(5); i++) body.push((rnd() * 2 - 1) * 20_000 * Math.exp(-i / n(1)));
      break;
    case 'breath':
      for (let i = 0; i < n(500); i++) body.push((rnd() * 2 - 1) * 600 * Math.sin((Math.PI * i) / n(500)));
      break;
    case 'knock':
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < n(120); i++) body.push(Math.sin((2 * Math.PI * 180 * i) / sr) * 12_000 * Math.exp(-i / n(20)));
      }
      break;
    case 'hum':
      for (let i = 0; i < n(1_000); i++) {
        const t = i / sr;
        body.push(3000 * Math.sin(2 * Math.PI * 50 * t) + 1500 * Math.sin(2 * Math.PI * 150 * t) + 800 * Math.sin(2 * Math.PI * 250 * t));
      }
      break;
    case 'static':
      for (let i = 0; i < n(1_000); i++) body.push(rnd() < 0.02 ? (rnd() * 2 - 1) * 15_000 : (rnd() * 2 - 1) * 300);
      break;
  }
  const out = new Int16Array(body.length + 2 * pad);
  for (let i = 0; i < body.length; i++) out[pad + i] = Math.max(-32768, Math.min(32767, Math.round(body[i] ?? 0)));
  return out;
}

/** Concatenates audio. */
export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `ms` of silence. */
export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms * FIXTURE_SAMPLE_RATE) / 1000));
}

/** A mono 16-bit WAV of the samples (for listening to a fixture). */
export function toWav(samples: Int16Array, sampleRate = FIXTURE_SAMPLE_RATE): Buffer {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', samples);
  return Buffer.from(wav.toBuffer());
}

/** First and last 10 ms frame at or above -40 dBFS RMS, in ms; null for silence. */
export function loudSpan(samples: Int16Array): { startMs: number; endMs: number } | null {
  const frame = FIXTURE_SAMPLE_RATE / 100;
  let first = -1;
  let last = -1;
  for (let i = 0, n = 0; i + frame <= samples.length; i += frame, n++) {
    if (rms(samples.subarray(i, i + frame)) >= 328) {
      if (first < 0) first = n;
      last = n;
    }
  }
  return first < 0 ? null : { startMs: first * 10, endMs: (last + 1) * 10 };
}

/** The samples without leading and trailing silence (see {@link loudSpan}). */
export function trimSilence(samples: Int16Array): Int16Array {
  const span = loudSpan(samples);
  if (!span) return new Int16Array(0);
  return samples.slice((span.startMs * FIXTURE_SAMPLE_RATE) / 1000, (span.endMs * FIXTURE_SAMPLE_RATE) / 1000);
}
