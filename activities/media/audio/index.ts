/** Audio codecs and conversions for phone audio: G.711 and sample-rate conversion. */
export { G711_SAMPLE_RATE_HZ, decodeG711, encodeG711, g711RoundTrip } from './g711.js';
export type { G711Law } from './g711.js';
export { resample } from './resample.js';
export type { ResampleOptions, ResampleQuality } from './resample.js';
