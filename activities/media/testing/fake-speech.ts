/**
 * Fake audio that carries its words: the first samples are the text's character codes, then a zero,
 * then a quiet hum (as loud as speech on a phone line) to the utterance's length. {@link FakeTts} speaks it, a {@link FakeMediaSession}
 * caller says it, and {@link FakeStt} hears exactly the words in it, so a test's script says what
 * the caller says and the recognizer's answer follows from it, as with real audio.
 */
import type { PcmAudio } from '../types.js';

/** Rate of fake audio unless a fake is told otherwise (the rate recognizers are given). */
export const FAKE_SAMPLE_RATE = 16_000;
/** Length of fake speech per character of its text. */
export const FAKE_MS_PER_CHARACTER = 10;
/** The hum after the words: 200 Hz at about -20 dBFS. */
const HUM_HZ = 200;
const HUM_AMPLITUDE = 3_000;

/** `text` as fake speech at `sampleRate`, {@link FAKE_MS_PER_CHARACTER} (or `msPerCharacter`) ms per character. */
export function fakeSpeech(text: string, options: { sampleRate?: number; msPerCharacter?: number } = {}): PcmAudio {
  const sampleRate = options.sampleRate ?? FAKE_SAMPLE_RATE;
  const length = Math.max(text.length + 1, Math.round((sampleRate * text.length * (options.msPerCharacter ?? FAKE_MS_PER_CHARACTER)) / 1000));
  const samples = new Int16Array(length);
  for (let i = 0; i < text.length; i++) samples[i] = text.charCodeAt(i) & 0x7fff;
  // The hum starts at a zero sample: it ends the words.
  for (let i = text.length; i < length; i++) samples[i] = Math.round(HUM_AMPLITUDE * Math.sin((2 * Math.PI * HUM_HZ * (i - text.length)) / sampleRate));
  return { sampleRate, samples };
}

/** The words carried by fake speech (up to its first zero sample); '' for any other audio. */
export function wordsIn(samples: Int16Array): string {
  let text = '';
  for (const sample of samples) {
    if (sample <= 0) break;
    text += String.fromCharCode(sample);
  }
  return text;
}

/** Length of `audio` in milliseconds. */
export function durationMs(audio: PcmAudio): number {
  return (audio.samples.length / audio.sampleRate) * 1000;
}
