/**
 * In-band DTMF detector (activities/media/dtmf), on generated signals and synthetic speech:
 *   - accuracy: every key × frequency errors within ±1.5 % × Q.24 levels and twists × SNR
 *     (no noise, 20 dB, 15 dB), 40 ms tones, as 8 kHz µ-law phone audio and as 16 kHz audio;
 *     and the same at 10 dB SNR, beyond what Q.24 asks, to show the margin;
 *   - off-frequency rejection: ±3.5 % and ±5 % errors that must give no key;
 *   - talk-off: false keys per hour of espeak-ng speech (11 voices, 140–200 wpm, two talker
 *     levels) on an 8 kHz µ-law line;
 *   - CPU: detector CPU time per second of audio (real-time factor) at 8 and 48 kHz.
 * Needs espeak-ng; no servers.
 */
import { DtmfDetector } from '../activities/media/dtmf/detector';
import { DTMF_DIGITS } from '../activities/media/dtmf/keypad';
import { dtmfSequence } from '../activities/media/dtmf/tone-generator';
import {
  PHONE_LINE,
  WIDEBAND_LINE,
  detectAll,
  offFrequencyCases,
  operateCases,
  renderToneCase,
  type LineFormat,
  type ToneCase,
} from '../activities/media/dtmf/testing/q24-corpus';
import { synthesizeTalkOffSpeech, totalSeconds } from '../activities/media/dtmf/testing/speech-corpus';
import type { Figure } from './report';

const TALK_OFF_VOICES = ['en-us', 'en-us+f3', 'en-us+m3', 'en-gb', 'en-gb+f4', 'de', 'de+f2', 'fr', 'fr+m3', 'es', 'es+f5'];
const TALK_OFF_SPEEDS_WPM = [140, 170, 200];
const TALK_OFF_LEVELS_DBM0 = [-12, -24];
const SECONDS_PER_HOUR = 3_600;

/** Detector CPU time and audio time, summed over the runs measured. */
class CpuMeter {
  cpuMs = 0;
  audioSeconds = 0;

  measure<T>(samples: Int16Array, sampleRate: number, run: () => T): T {
    const before = process.cpuUsage();
    const result = run();
    const used = process.cpuUsage(before);
    this.cpuMs += (used.user + used.system) / 1_000;
    this.audioSeconds += samples.length / sampleRate;
    return result;
  }

  get realTimeFactor(): number {
    return this.cpuMs / 1_000 / this.audioSeconds;
  }
}

interface CaseScore {
  passed: number;
  total: number;
}

function scoreCases(cases: ToneCase[], line: LineFormat, pass: (digits: string, toneCase: ToneCase) => boolean, cpu?: CpuMeter): CaseScore {
  let passed = 0;
  cases.forEach((toneCase, i) => {
    const samples = renderToneCase(toneCase, line, i + 1);
    const run = (): string => detectAll(samples, line.sampleRate).map((event) => event.digit).join('');
    const digits = cpu ? cpu.measure(samples, line.sampleRate, run) : run();
    if (pass(digits, toneCase)) passed++;
  });
  return { passed, total: cases.length };
}

function percent(score: CaseScore): number {
  return Math.round((10_000 * score.passed) / score.total) / 100;
}

/** Real-time factor on a long stream of key presses at `sampleRate`, fed in 20 ms chunks. */
function streamRealTimeFactor(sampleRate: number): number {
  const digits = Array.from({ length: 200 }, (_, i) => DTMF_DIGITS[i % DTMF_DIGITS.length]!);
  const samples = dtmfSequence(digits, { sampleRate, toneMs: 60, gapMs: 240 });
  const meter = new CpuMeter();
  const detector = new DtmfDetector({ sampleRate });
  const chunk = sampleRate / 50;
  meter.measure(samples, sampleRate, () => {
    for (let at = 0; at < samples.length; at += chunk) detector.push(samples.subarray(at, at + chunk));
  });
  return meter.realTimeFactor;
}

export async function benchDtmf(): Promise<Figure[]> {
  const cpu8k = new CpuMeter();
  const operate = operateCases([null, 20, 15]);
  const accuracy = [PHONE_LINE, WIDEBAND_LINE].map((line) => ({
    line,
    score: scoreCases(operate, line, (digits, toneCase) => digits === toneCase.digit, line === PHONE_LINE ? cpu8k : undefined),
  }));
  const noisy = operateCases([10]);
  const noisyAccuracy = [PHONE_LINE, WIDEBAND_LINE].map((line) => ({
    line,
    score: scoreCases(noisy, line, (digits, toneCase) => digits === toneCase.digit),
  }));
  const offFrequency = offFrequencyCases([null, 20]);
  const rejection = [PHONE_LINE, WIDEBAND_LINE].map((line) => ({ line, score: scoreCases(offFrequency, line, (digits) => digits === '') }));

  let falseDigits = 0;
  let speechSeconds = 0;
  for (const levelDbm0 of TALK_OFF_LEVELS_DBM0) {
    const speech = await synthesizeTalkOffSpeech({ voices: TALK_OFF_VOICES, speedsWpm: TALK_OFF_SPEEDS_WPM, levelDbm0 });
    speechSeconds += totalSeconds(speech);
    for (const { audio } of speech) falseDigits += cpu8k.measure(audio.samples, audio.sampleRate, () => detectAll(audio.samples, audio.sampleRate).length);
  }

  const sum = (scores: { score: CaseScore }[]): CaseScore => ({
    passed: scores.reduce((n, s) => n + s.score.passed, 0),
    total: scores.reduce((n, s) => n + s.score.total, 0),
  });
  const perLine = (scores: { line: LineFormat; score: CaseScore }[]): string => scores.map((s) => `${s.line.label} ${percent(s.score)} %`).join(', ');
  const totalAccuracy = sum(accuracy);
  const totalNoisy = sum(noisyAccuracy);
  const totalRejection = sum(rejection);
  return [
    {
      name: 'dtmf_inband_accuracy',
      value: percent(totalAccuracy),
      unit: '%',
      note: `${totalAccuracy.passed}/${totalAccuracy.total} 40 ms key presses exactly once (${perLine(accuracy)})`,
    },
    {
      name: 'dtmf_inband_accuracy_snr10',
      value: percent(totalNoisy),
      unit: '%',
      note: `${totalNoisy.passed}/${totalNoisy.total} at 10 dB SNR, beyond Q.24 (${perLine(noisyAccuracy)})`,
    },
    {
      name: 'dtmf_offfreq_rejection',
      value: percent(totalRejection),
      unit: '%',
      note: `${totalRejection.passed}/${totalRejection.total} tones ±3.5–5 % off with no key (${perLine(rejection)})`,
    },
    {
      name: 'dtmf_talkoff_per_hour',
      value: Math.round(((falseDigits * SECONDS_PER_HOUR) / speechSeconds) * 100) / 100,
      unit: '/h',
      note: `${falseDigits} false keys in ${(speechSeconds / 60).toFixed(1)} min of espeak-ng speech, 8 kHz µ-law`,
    },
    {
      name: 'dtmf_detector_rtf',
      value: Number(cpu8k.realTimeFactor.toPrecision(2)),
      unit: 'x',
      note: `CPU s per s of 8 kHz audio over ${(cpu8k.audioSeconds / 60).toFixed(0)} min (tones and speech)`,
    },
    {
      name: 'dtmf_detector_rtf_48k',
      value: Number(streamRealTimeFactor(48_000).toPrecision(2)),
      unit: 'x',
      note: 'CPU s per s of 48 kHz audio, 20 ms chunks',
    },
  ];
}
