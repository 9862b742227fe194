/**
 * Barge-in by voice:
 *   - offline, per minimum speech length: how often non-speech sounds (coughs, clicks, breaths,
 *     knocks, hum, static; wideband and phone) would stop a prompt (false stops), how often short
 *     answers fail to (misses), and how far into the speech the decision comes;
 *   - in a real LiveKit room: a caller talks over an interruptible prompt; from the first sound the
 *     caller sends to the moment the caller hears the prompt stop (round trip, as a caller lives it),
 *     and from the worker's decision to the prompt stopping.
 */
import { EspeakTts } from '../activities/media/espeak-tts';
import { concat, loudSpan, NOISE_EVENTS, noiseEvent, phoneChannel, silence, speechFixture } from '../activities/media/stt/speech-fixtures';
import { BargeInDetector, defaultBargeInOptions } from '../activities/media/vad/barge-in';
import { SileroVad } from '../activities/media/vad/silero-vad';
import { percentile, type Figure } from './report';
import { openBenchRoom } from './support/bench-room';

const SETTINGS = [64, 96, 128, 160].map((minSpeechMs) => ({ minSpeechMs, activationThreshold: 0.5 })).concat([{ minSpeechMs: 96, activationThreshold: 0.4 }]);
const ANSWERS = ['yes', 'no', 'sales', 'support', 'billing', 'two'];
const VOICES = ['en-us', 'en-gb', 'en-us+f3'];

/** Feeds audio in 10 ms chunks; the ms of audio pushed when the detector fired, or null. */
async function decide(vad: SileroVad, audio: Int16Array, settings: { minSpeechMs: number; activationThreshold: number }): Promise<number | null> {
  let fired = false;
  const detector = new BargeInDetector(vad, () => (fired = true), settings);
  try {
    for (let at = 0; at < audio.length; at += 160) {
      detector.push(audio.subarray(at, at + 160));
      await new Promise((resolve) => setImmediate(resolve));
      if (fired) return (at + 160) / 16;
    }
    await detector.idle();
    return fired ? audio.length / 16 : null;
  } finally {
    detector.close();
  }
}

async function offline(vad: SileroVad, figures: Figure[]): Promise<void> {
  const noises: Int16Array[] = [];
  for (const kind of NOISE_EVENTS) {
    for (let seed = 1; seed <= 10; seed++) {
      const sound = noiseEvent(kind, seed);
      noises.push(sound, await phoneChannel(sound));
    }
  }
  const answers: Array<{ audio: Int16Array; onsetMs: number }> = [];
  let seed = 11;
  for (const voice of VOICES) {
    for (const word of ANSWERS) {
      const audio = concat(silence(400), await speechFixture(word, { voice, channel: 'phone', snrDb: 20, padMs: 0, seed: seed++ }), silence(300));
      const span = loudSpan(audio);
      if (span) answers.push({ audio, onsetMs: span.startMs });
    }
  }
  for (const settings of SETTINGS) {
    const { minSpeechMs, activationThreshold } = settings;
    let falseStops = 0;
    for (const sound of noises) if ((await decide(vad, sound, settings)) !== null) falseStops++;
    let missed = 0;
    const lags: number[] = [];
    for (const { audio, onsetMs } of answers) {
      const at = await decide(vad, audio, settings);
      if (at === null) missed++;
      else lags.push(at - onsetMs);
    }
    const isDefault = minSpeechMs === defaultBargeInOptions.minSpeechMs && activationThreshold === defaultBargeInOptions.activationThreshold;
    const tag = isDefault ? ' (default)' : '';
    const suffix = `min${minSpeechMs}${activationThreshold === 0.5 ? '' : `_p${Math.round(activationThreshold * 100)}`}`;
    figures.push({ name: `bargein_false_stop_rate_${suffix}`, value: Math.round((1000 * falseStops) / noises.length) / 10, unit: '%', note: `non-speech sounds, wideband + phone; n=${noises.length}${tag}` });
    figures.push({ name: `bargein_missed_answer_rate_${suffix}`, value: Math.round((1000 * missed) / answers.length) / 10, unit: '%', note: `one-word answers, phone, 20 dB SNR; n=${answers.length}` });
    figures.push({ name: `bargein_decision_after_onset_p50_${suffix}`, value: Math.round(percentile(lags, 50)), unit: 'ms', note: 'audio time from the first loud frame to the decision' });
  }
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

async function live(vad: SileroVad, figures: Figure[]): Promise<void> {
  // What the caller hears of the agent: the time of each 10 ms frame and whether it is loud.
  let heard: Array<{ at: number; loud: boolean }> = [];
  const bench = await openBenchRoom('bargein', { microphone: true, hear: (frame, at) => heard.push({ at, loud: rms(frame) > 200 }) });
  try {
    const agent = await bench.joinAgent({ tts: new EspeakTts(), vad });
    await bench.meet(agent);
    const mic = bench.mic!;
    let firstSoundSentAt: number | undefined;
    mic.onSend = (chunk, at) => {
      if (firstSoundSentAt === undefined && rms(chunk) > 300) firstSoundSentAt = at;
    };

    const roundTrips: number[] = [];
    const stopAfterDecision: number[] = [];
    let missed = 0;
    const prompt = 'Welcome to the benchmark line. Please tell me in a few words what you are calling about today, and I will put you through.';
    for (const [i, word] of ANSWERS.concat(ANSWERS).entries()) {
      const audio = await speechFixture(word, { voice: VOICES[i % VOICES.length], channel: 'phone', padMs: 0 });
      const saying = agent.say(prompt, { interruptible: true, bargeInOnSpeech: true });
      await new Promise((r) => setTimeout(r, 1_500 + 100 * i));
      heard = [];
      firstSoundSentAt = undefined;
      void mic.play(audio);
      const said = await saying;
      const resolvedAt = performance.now();
      if (!said.interrupted) {
        missed++;
        continue;
      }
      const capture = (agent as unknown as { bargeInCapture?: { detector: BargeInDetector } }).bargeInCapture;
      if (capture?.detector.speechDetectedAt) stopAfterDecision.push(resolvedAt - capture.detector.speechDetectedAt);
      // The caller hears the prompt stop: just after the last loud frame it received (the next
      // prompt starts only after this measurement).
      await new Promise((r) => setTimeout(r, 400));
      const sentAt = firstSoundSentAt ?? NaN;
      const lastLoud = heard.filter((h) => h.loud).at(-1);
      if (lastLoud && lastLoud.at >= sentAt) roundTrips.push(lastLoud.at + 10 - sentAt);
      await agent.listen({ noSpeechTimeoutMs: 100, endSilenceMs: 300, maxDurationMs: 2_000 }).catch(() => undefined);
      mic.clear();
      await new Promise((r) => setTimeout(r, 300));
    }
    const n = ANSWERS.length * 2;
    figures.push({ name: 'bargein_heard_stop_p50', value: Math.round(percentile(roundTrips, 50)), unit: 'ms', note: `caller's first sound sent → caller hears the prompt stop (both network legs, jitter buffers, ${defaultBargeInOptions.minSpeechMs} ms minimum speech); n=${roundTrips.length}` });
    figures.push({ name: 'bargein_heard_stop_p95', value: Math.round(percentile(roundTrips, 95)), unit: 'ms', note: 'as above' });
    figures.push({ name: 'bargein_stop_after_decision_p95', value: Math.round(percentile(stopAfterDecision, 95) * 10) / 10, unit: 'ms', note: `worker: speech confirmed → playback stopped and say() resolved; n=${stopAfterDecision.length}` });
    figures.push({ name: 'bargein_live_missed', value: missed, unit: 'calls', note: `prompts the spoken answer did not stop; of ${n}` });
  } finally {
    await bench.close();
  }
}

export async function benchBargeIn(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const vad = await SileroVad.load();
  try {
    await offline(vad, figures);
    await live(vad, figures);
  } finally {
    await vad.close();
  }
  return figures;
}
