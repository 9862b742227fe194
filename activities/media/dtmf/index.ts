/** In-band DTMF: tone detection (ITU-T Q.24) and generation. */
export { DtmfDetector } from './detector.js';
export type { DtmfDetectorOptions, DtmfDigitEvent } from './detector.js';
export { defaultDtmfThresholds } from './window-analysis.js';
export type { DtmfThresholds } from './window-analysis.js';
export { DTMF_DIGITS, DTMF_HIGH_GROUP_HZ, DTMF_KEYPAD, DTMF_LOW_GROUP_HZ, dtmfFrequencies, isDtmfDigit } from './keypad.js';
export type { DtmfDigit } from './keypad.js';
export { DBM0_POWER, DBM0_SINE_PEAK, dbm0ToPeak, powerToDbm0 } from './levels.js';
export { concatSamples, dtmfSequence, dtmfTone } from './tone-generator.js';
export type { DtmfSequenceOptions, DtmfToneOptions } from './tone-generator.js';
