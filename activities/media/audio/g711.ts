/**
 * G.711 companding (ITU-T G.711 µ-law and A-law), the codecs of the public phone network, through
 * the `alawmulaw` library. One byte per sample; phone audio is 8 kHz, but the codec itself is
 * sample-by-sample and does not look at the rate.
 */
import alawmulaw from 'alawmulaw';
import type { PcmAudio } from '../types.js';

/** Which G.711 law: `mulaw` (PCMU, North America and Japan) or `alaw` (PCMA, elsewhere). */
export type G711Law = 'mulaw' | 'alaw';

/** Sample rate of G.711 on the phone network. */
export const G711_SAMPLE_RATE_HZ = 8_000;

/** Encodes 16-bit linear PCM samples to G.711 bytes. */
export function encodeG711(samples: Int16Array, law: G711Law): Uint8Array {
  return law === 'mulaw' ? alawmulaw.mulaw.encode(samples) : alawmulaw.alaw.encode(samples);
}

/** Decodes G.711 bytes to 16-bit linear PCM samples. */
export function decodeG711(bytes: Uint8Array, law: G711Law): Int16Array {
  return law === 'mulaw' ? alawmulaw.mulaw.decode(bytes) : alawmulaw.alaw.decode(bytes);
}

/**
 * Encodes and decodes `audio`, as a G.711 phone line would: same rate and length, with the
 * codec's quantization noise (about 38 dB below the signal over most of its range).
 */
export function g711RoundTrip(audio: PcmAudio, law: G711Law): PcmAudio {
  return { sampleRate: audio.sampleRate, samples: decodeG711(encodeG711(audio.samples, law), law) };
}
