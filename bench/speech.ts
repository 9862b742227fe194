/**
 * Speech recognition quality and speed, on a corpus generated with espeak-ng (several voices and
 * speeds; 16 kHz and 8 kHz µ-law telephone audio; with and without background noise):
 *   - menu keyword accuracy: a spoken menu choice, recognized with the menu's grammar;
 *   - digit word accuracy ("zero" … "nine" with a digits grammar);
 *   - out-of-grammar speech: how often its confidence falls below 0.5 (so a menu can say noMatch);
 *   - free speech word error rate (no grammar, general language model);
 *   - recognizer real-time factor and end() → final result time;
 *   - VAD: false starts on coughs, clicks, breaths, knocks, hum, static; speech it misses;
 *   - speech end → listen() result, through a real LiveKit room (skipped if none can start).
 * `BENCH_SPEECH_QUICK=1` uses fewer voices and speeds; `BENCH_SPEECH_LISTEN_ONLY=1` runs only the
 * LiveKit listen() part (turn-taking: speech end → result for menu words and for free speech;
 * `BENCH_SPEECH_VOICES=n` voices, `BENCH_SPEECH_VERBOSE=1` prints each one).
 */
import { EspeakTts } from '../activities/media/espeak-tts';
import { PocketsphinxStt } from '../activities/media/stt/pocketsphinx-stt';
import { freeSpeechTurn, GRAMMAR_EARLY_END_PAUSE_MS } from '../activities/media/stt/utterance-listener';
import { loudSpan, NOISE_EVENTS, noiseEvent, phoneChannel, speechFixture, type Channel } from '../activities/media/stt/speech-fixtures';
import type { SpeechToTextResult } from '../activities/media/types';
import { SileroVad } from '../activities/media/vad/silero-vad';
import { percentile, type Figure } from './report';
import { openBenchRoom } from './support/bench-room';

const quick = process.env.BENCH_SPEECH_QUICK === '1';
const VOICES = quick ? ['en-us', 'en-gb', 'en-us+f3'] : ['en-us', 'en-us+f3', 'en-gb', 'en-us-nyc', 'en-gb-x-rp', 'en-gb-scotland'];
const SPEEDS = quick ? [170] : [150, 200];
const CONDITIONS: Array<{ channel: Channel; snrDb?: number }> = [
  { channel: 'wideband' },
  { channel: 'wideband', snrDb: 15 },
  { channel: 'phone' },
  { channel: 'phone', snrDb: 15 },
];
/** A main menu (its options and the digit words of their keys) and a yes/no question. */
const MAIN_MENU = ['sales', 'support', 'billing', 'operator', 'one', 'two', 'three', 'zero'];
const CONFIRM = ['yes', 'no'];
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const KEYWORDS: Array<{ word: string; grammar: string[] }> = [
  ...['sales', 'support', 'billing', 'operator'].map((word) => ({ word, grammar: MAIN_MENU })),
  ...CONFIRM.map((word) => ({ word, grammar: CONFIRM })),
];
const OUT_OF_GRAMMAR = ['pizza please', 'I do not know', 'hello', 'can you repeat that', 'what', 'I want to cancel my account', 'um', 'representative'];
const FREE_SPEECH = [
  'I would like to check my balance',
  'my order has not arrived yet',
  'can I speak to a person please',
  'I need to change my address',
  'what are your opening hours',
];
const CONFIDENCE_THRESHOLD = 0.5;

interface Recognition {
  result: SpeechToTextResult;
  audioMs: number;
  /** end() → final result. */
  finalMs: number;
  /** First push → final result. */
  totalMs: number;
}

async function recognize(stt: PocketsphinxStt, audio: Int16Array, grammar?: string[]): Promise<Recognition> {
  const started = performance.now();
  const stream = stt.stream({ sampleRate: 16_000, grammar });
  for (let at = 0; at < audio.length; at += 320) stream.push(audio.subarray(at, at + 320));
  const ended = performance.now();
  stream.end();
  let final: SpeechToTextResult | undefined;
  for await (const r of stream.results) if (r.isFinal) final = r;
  const done = performance.now();
  return { result: final ?? { text: '', isFinal: true }, audioMs: (audio.length / 16_000) * 1000, finalMs: done - ended, totalMs: done - started };
}

function pct(ok: number, n: number): number {
  return n === 0 ? NaN : Math.round((1000 * ok) / n) / 10;
}

function wordErrors(reference: string, hypothesis: string): number {
  const r = reference.toLowerCase().split(/\s+/).filter(Boolean);
  const h = hypothesis.toLowerCase().split(/\s+/).filter(Boolean);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length] ?? 0;
}

/** Runs `work` over `items`, `concurrency` at a time, keeping order. */
async function mapLimit<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

async function benchRecognizer(stt: PocketsphinxStt, figures: Figure[]): Promise<void> {
  interface Item { word: string; grammar: string[]; voice: string; speed: number; channel: Channel; snrDb?: number; kind: 'keyword' | 'digit' }
  const items: Item[] = [];
  let seed = 1;
  for (const voice of VOICES) {
    for (const speed of SPEEDS) {
      for (const c of CONDITIONS) {
        for (const k of KEYWORDS) items.push({ ...k, voice, speed, ...c, kind: 'keyword' });
        for (const word of DIGITS) items.push({ word, grammar: DIGITS, voice, speed, ...c, kind: 'digit' });
      }
    }
  }
  const audio = await mapLimit(items, 2, (it) => speechFixture(it.word, { voice: it.voice, speedWpm: it.speed, channel: it.channel, snrDb: it.snrDb, seed: seed++ }));

  const tally = new Map<string, { ok: number; n: number }>();
  const count = (key: string, ok: boolean): void => {
    const t = tally.get(key) ?? { ok: 0, n: 0 };
    t.ok += ok ? 1 : 0;
    t.n++;
    tally.set(key, t);
  };
  const finalMs: number[] = [];
  let decodeMs = 0;
  let audioMs = 0;
  let confidentCorrect = 0;
  let correct = 0;
  for (const [i, it] of items.entries()) {
    const r = await recognize(stt, audio[i] as Int16Array, it.grammar);
    const ok = r.result.text === it.word;
    const noise = it.snrDb === undefined ? 'clean' : 'noisy';
    count(`${it.kind}_${it.channel}`, ok);
    count(`${it.kind}_${it.channel}_${noise}`, ok);
    if (it.kind === 'keyword') count(`voice_${it.channel}_${it.voice}`, ok);
    finalMs.push(r.finalMs);
    decodeMs += r.finalMs;
    audioMs += r.audioMs;
    if (ok) {
      correct++;
      if ((r.result.confidence ?? 0) >= CONFIDENCE_THRESHOLD) confidentCorrect++;
    }
  }
  const fig = (name: string, key: string, note: string): void => {
    const t = tally.get(key);
    if (t) figures.push({ name, value: pct(t.ok, t.n), unit: '%', note: `${note}; n=${t.n}` });
  };
  const corpus = `${VOICES.length} voices × ${SPEEDS.length} speeds`;
  fig('menu_keyword_accuracy_phone', 'keyword_phone', `8 kHz µ-law, clean + 15 dB SNR noise, ${corpus}`);
  fig('menu_keyword_accuracy_phone_noisy', 'keyword_phone_noisy', '8 kHz µ-law, 15 dB SNR pink noise');
  fig('menu_keyword_accuracy_wideband', 'keyword_wideband', `16 kHz, clean + noisy, ${corpus}`);
  fig('digit_word_accuracy_phone', 'digit_phone', 'zero…nine, digits grammar, 8 kHz µ-law');
  fig('digit_word_accuracy_wideband', 'digit_wideband', 'zero…nine, digits grammar, 16 kHz');
  for (const voice of VOICES) fig(`menu_keyword_accuracy_phone_${voice.replace(/\W/g, '_')}`, `voice_phone_${voice}`, `voice ${voice}`);
  figures.push({ name: 'in_grammar_confident', value: pct(confidentCorrect, correct), unit: '%', note: `correct results with confidence ≥ ${CONFIDENCE_THRESHOLD}` });
  figures.push({ name: 'stt_final_latency_grammar_p50', value: Math.round(percentile(finalMs, 50)), unit: 'ms', note: 'end() → final result' });
  figures.push({ name: 'stt_final_latency_grammar_p95', value: Math.round(percentile(finalMs, 95)), unit: 'ms', note: 'end() → final result' });
  figures.push({ name: 'stt_real_time_factor_grammar', value: Math.round((decodeMs / audioMs) * 1000) / 1000, unit: 'x', note: 'decode time / audio time' });

  // Out-of-grammar speech against the main menu: its confidence should be low.
  let rejected = 0;
  let n = 0;
  for (const text of OUT_OF_GRAMMAR) {
    for (const voice of VOICES.slice(0, 3)) {
      for (const channel of ['wideband', 'phone'] as const) {
        const r = await recognize(stt, await speechFixture(text, { voice, channel }), MAIN_MENU);
        n++;
        if (!r.result.text || (r.result.confidence ?? 0) < CONFIDENCE_THRESHOLD) rejected++;
      }
    }
  }
  figures.push({ name: 'out_of_grammar_rejected', value: pct(rejected, n), unit: '%', note: `confidence < ${CONFIDENCE_THRESHOLD} or empty; n=${n}` });

  // Free speech with the general language model.
  let errors = 0;
  let words = 0;
  let freeMs = 0;
  let freeAudioMs = 0;
  for (const text of FREE_SPEECH) {
    for (const voice of VOICES.slice(0, 2)) {
      const r = await recognize(stt, await speechFixture(text, { voice, speedWpm: 150 }));
      errors += wordErrors(text, r.result.text);
      words += text.split(' ').length;
      freeMs += r.totalMs;
      freeAudioMs += r.audioMs;
    }
  }
  figures.push({ name: 'free_speech_word_error_rate', value: pct(errors, words), unit: '%', note: `no grammar, 16 kHz clean; n=${words} words` });
  figures.push({ name: 'stt_real_time_factor_free', value: Math.round((freeMs / freeAudioMs) * 1000) / 1000, unit: 'x', note: 'incl. loading the language model' });
}

async function benchVad(vad: SileroVad, figures: Figure[]): Promise<void> {
  const countStarts = async (audio: Int16Array, options: Parameters<SileroVad['stream']>[0] = {}): Promise<number> => {
    const stream = vad.stream(options);
    let starts = 0;
    for (let at = 0; at < audio.length; at += 160) starts += (await stream.push(audio.subarray(at, at + 160))).filter((e) => e.type === 'speechStart').length;
    stream.close();
    return starts;
  };
  const noises: Int16Array[] = [];
  for (const kind of NOISE_EVENTS) {
    for (let seed = 1; seed <= 10; seed++) {
      const sound = noiseEvent(kind, seed);
      noises.push(sound, await phoneChannel(sound));
    }
  }
  let falseStarts = 0;
  const started = performance.now();
  let audioMs = 0;
  for (const sound of noises) {
    falseStarts += (await countStarts(sound)) > 0 ? 1 : 0;
    audioMs += sound.length / 16;
  }
  const vadMs = performance.now() - started;
  figures.push({ name: 'vad_false_start_rate', value: pct(falseStarts, noises.length), unit: '%', note: `coughs, clicks, breaths, knocks, hum, static; wideband + phone; n=${noises.length}` });
  // The same sounds with the model alone: no energy floor, no minimum speech duration.
  let unguarded = 0;
  for (const sound of noises) unguarded += (await countStarts(sound, { minSpeechMs: 1 })) > 0 ? 1 : 0;
  const bare = await SileroVad.load({ energyFloorDbfs: -200, minSpeechMs: 1 });
  let bareStarts = 0;
  for (const sound of noises) {
    const stream = bare.stream();
    let s = 0;
    for (let at = 0; at < sound.length; at += 160) s += (await stream.push(sound.subarray(at, at + 160))).length;
    bareStarts += s > 0 ? 1 : 0;
  }
  await bare.close();
  figures.push({ name: 'vad_false_start_rate_no_min_speech', value: pct(unguarded, noises.length), unit: '%', note: 'minSpeechMs 1 (energy floor kept)' });
  figures.push({ name: 'vad_false_start_rate_model_only', value: pct(bareStarts, noises.length), unit: '%', note: 'no energy floor, no minimum speech' });
  figures.push({ name: 'vad_real_time_factor', value: Math.round((vadMs / audioMs) * 10_000) / 10_000, unit: 'x', note: 'Silero v5 on onnxruntime-node CPU, 1 thread' });

  // Speech the detector misses: short words on noisy phone audio.
  let missed = 0;
  let n = 0;
  for (const voice of VOICES) {
    for (const word of ['no', 'yes', 'two', 'sales', 'eight']) {
      const audio = await speechFixture(word, { voice, channel: 'phone', snrDb: 15, padMs: 500, seed: n + 7 });
      missed += (await countStarts(audio)) === 0 ? 1 : 0;
      n++;
    }
  }
  figures.push({ name: 'vad_missed_speech_rate', value: pct(missed, n), unit: '%', note: `one-word answers, phone, 15 dB SNR; n=${n}` });
}

/** The Menu step's and the Listen step's default end-of-turn silences (node-types/menu.ts, listen.ts). */
const MENU_END_SILENCE_MS = 700;
const LISTEN_END_SILENCE_MS = 800;

/**
 * listen() in a real LiveKit room: a caller speaks a menu choice over phone audio (with the menu's
 * grammar and options, as the Menu step listens), then free speech (no grammar, as the Listen step).
 */
async function benchListen(stt: PocketsphinxStt, vad: SileroVad, figures: Figure[]): Promise<void> {
  const bench = await openBenchRoom('speech', { microphone: true });
  try {
    const agent = await bench.joinAgent({ tts: new EspeakTts(), stt, vad });
    await bench.meet(agent);
    const mic = bench.mic!;
    const speak = async (text: string, voice: string, options: Parameters<typeof agent.listen>[0]): Promise<{ ms: number; transcript: string | null } | null> => {
      const audio = await speechFixture(text, { voice, channel: 'phone', padMs: 0 });
      const span = loudSpan(audio);
      if (!span) return null;
      const listening = agent.listen(options);
      await new Promise((r) => setTimeout(r, 300));
      const startedAt = performance.now();
      await mic.play(audio);
      const result = await listening;
      return { ms: performance.now() - (startedAt + span.endMs), transcript: result.transcript };
    };
    const latencies: number[] = [];
    let ok = 0;
    let n = 0;
    const voices = VOICES.slice(0, Number(process.env.BENCH_SPEECH_VOICES ?? 4));
    for (const voice of voices) {
      for (const word of ['sales', 'support', 'billing', 'operator', 'yes']) {
        const grammar = word === 'yes' ? CONFIRM : MAIN_MENU;
        const heard = await speak(word, voice, { noSpeechTimeoutMs: 5_000, endSilenceMs: MENU_END_SILENCE_MS, maxDurationMs: 8_000, grammar, ...menuTurn(grammar) });
        if (!heard) continue;
        if (process.env.BENCH_SPEECH_VERBOSE === '1') console.error(`listen ${voice} ${word}: ${Math.round(heard.ms)} ms, heard ${heard.transcript === word ? 'right' : 'wrong'}`);
        latencies.push(heard.ms);
        n++;
        if (heard.transcript === word) ok++;
      }
    }
    figures.push({ name: 'speech_end_to_result_p50', value: Math.round(percentile(latencies, 50)), unit: 'ms', note: `menu words, listen() in LiveKit, end silence ${MENU_END_SILENCE_MS} ms; n=${n}` });
    figures.push({ name: 'speech_end_to_result_p95', value: Math.round(percentile(latencies, 95)), unit: 'ms', note: `menu words; n=${n}` });
    figures.push({ name: 'listen_keyword_accuracy_livekit', value: pct(ok, n), unit: '%', note: `phone audio through a LiveKit room; n=${n}` });
    const free: number[] = [];
    let freeWords = 0;
    let freeErrors = 0;
    for (const voice of voices.slice(0, 2)) {
      for (const text of FREE_SPEECH) {
        const heard = await speak(text, voice, { noSpeechTimeoutMs: 5_000, endSilenceMs: LISTEN_END_SILENCE_MS, maxDurationMs: 15_000, ...freeSpeechTurn(undefined) });
        if (!heard) continue;
        free.push(heard.ms);
        freeWords += text.split(' ').length;
        freeErrors += wordErrors(text, heard.transcript ?? '');
        if (process.env.BENCH_SPEECH_VERBOSE === '1') console.error(`listen ${voice} free speech: ${Math.round(heard.ms)} ms, heard "${heard.transcript}"`);
      }
    }
    figures.push({ name: 'speech_end_to_result_free_p50', value: Math.round(percentile(free, 50)), unit: 'ms', note: `free speech, no grammar, end silence ${LISTEN_END_SILENCE_MS} ms; n=${free.length}` });
    figures.push({ name: 'speech_end_to_result_free_p95', value: Math.round(percentile(free, 95)), unit: 'ms', note: `free speech; n=${free.length}` });
    figures.push({ name: 'listen_free_word_error_rate_livekit', value: pct(freeErrors, freeWords), unit: '%', note: `free speech through a LiveKit room, ended as the Listen step ends it; ${freeWords} words` });
  } finally {
    await bench.close();
  }
}

/** What the Menu step adds to its listen() (activities/media/activities.ts): end early on a whole option. */
function menuTurn(_grammar: string[]): object {
  return { earlyEnd: { pauseMs: GRAMMAR_EARLY_END_PAUSE_MS, minConfidence: 0.3 } };
}

export async function benchSpeech(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const stt = new PocketsphinxStt();
  const vad = await SileroVad.load();
  try {
    await stt.warmUp();
    if (process.env.BENCH_SPEECH_LISTEN_ONLY !== '1') {
      await benchRecognizer(stt, figures);
      await benchVad(vad, figures);
    }
    try {
      await benchListen(stt, vad, figures);
    } catch (err) {
      console.warn(`speech bench: listen() through LiveKit skipped: ${(err as Error).message}`);
    }
  } finally {
    stt.close();
    await vad.close();
  }
  return figures;
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
