/** WAV in and out, through the `wavefile` library. */
import wavefile from 'wavefile';
import type { PcmAudio } from './contracts/media';

const { WaveFile } = wavefile;

export class InvalidAudioError extends Error {}

/**
 * Reads a WAV file (PCM of any bit depth, µ-law or A-law; any rate; mono or stereo) as mono
 * 16-bit PCM at its own rate. Throws InvalidAudioError saying what is wrong.
 */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new InvalidAudioError(`Not a WAV file: ${(error as Error).message}`);
  }
  // Copied out: wavefile rebuilds its header objects when it converts.
  const format = { ...(wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number }) };
  if (format.audioFormat === 7) wav.fromMuLaw();
  else if (format.audioFormat === 6) wav.fromALaw();
  else if (format.audioFormat !== 1 && format.audioFormat !== 3 && format.audioFormat !== 65534) {
    throw new InvalidAudioError(`Unsupported WAV encoding (format ${format.audioFormat}); use PCM, µ-law or A-law`);
  }
  if (format.sampleRate < 8000 || format.sampleRate > 48000) throw new InvalidAudioError(`Unsupported sample rate ${format.sampleRate} Hz (8000–48000)`);
  wav.toBitDepth('16');
  const channels = wav.getSamples(false, Int16Array) as unknown as Int16Array[] | Int16Array;
  const first = Array.isArray(channels) ? (channels[0] as Int16Array) : channels;
  if (!Array.isArray(channels) || channels.length === 1) return { sampleRate: format.sampleRate, samples: Int16Array.from(first) };
  // Mix the channels down to mono.
  const mixed = new Int16Array(first.length);
  for (let i = 0; i < mixed.length; i++) {
    let sum = 0;
    for (const channel of channels) sum += (channel as Int16Array)[i] ?? 0;
    mixed[i] = Math.round(sum / channels.length);
  }
  return { sampleRate: format.sampleRate, samples: mixed };
}

/** Mono 16-bit PCM WAV bytes. */
export function encodeWav(audio: PcmAudio): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, audio.sampleRate, '16', audio.samples);
  return wav.toBuffer();
}

export const durationMs = (audio: PcmAudio) => Math.round((audio.samples.length / audio.sampleRate) * 1000);

/** Channels of a 16-bit PCM WAV file, each as its own array; throws InvalidAudioError when unreadable. */
export function wavChannels(bytes: Uint8Array): { sampleRate: number; channels: Int16Array[] } {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new InvalidAudioError(`Not a WAV file: ${(error as Error).message}`);
  }
  const format = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  if (format.bitsPerSample !== 16) wav.toBitDepth('16');
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array[] | Int16Array;
  const channels = Array.isArray(samples) ? samples.map((channel) => Int16Array.from(channel)) : [Int16Array.from(samples)];
  return { sampleRate: format.sampleRate, channels };
}

/**
 * Joins WAV files (same rate and channel count, e.g. the parts of a call recording) one after
 * the other into one file. Throws InvalidAudioError when the parts do not match.
 */
export function joinWavs(parts: Uint8Array[]): Uint8Array {
  const read = parts.map(wavChannels);
  const first = read[0];
  if (!first) throw new InvalidAudioError('There is no audio to join');
  for (const part of read) {
    if (part.sampleRate !== first.sampleRate || part.channels.length !== first.channels.length) {
      throw new InvalidAudioError('The parts have different sample rates or channel counts');
    }
  }
  const channels = first.channels.map((_, index) => {
    const total = read.reduce((n, part) => n + (part.channels[index] as Int16Array).length, 0);
    const joined = new Int16Array(total);
    let at = 0;
    for (const part of read) {
      joined.set(part.channels[index] as Int16Array, at);
      at += (part.channels[index] as Int16Array).length;
    }
    return joined;
  });
  const wav = new WaveFile();
  wav.fromScratch(channels.length, first.sampleRate, '16', channels.length === 1 ? (channels[0] as Int16Array) : channels);
  return wav.toBuffer();
}
