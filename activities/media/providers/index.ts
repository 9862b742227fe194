/**
 * Cloud speech providers behind the media seams (`TextToSpeech`, `SpeechToText`), and the
 * retry/fallback wrappers that chain them. Fakes of the providers' servers live in `./testing/`.
 */
export { DeepgramStt, defaultDeepgramSttOptions } from './deepgram-stt.js';
export type { DeepgramSttOptions } from './deepgram-stt.js';
export { ElevenLabsTts, defaultElevenLabsTtsOptions } from './elevenlabs-tts.js';
export type { ElevenLabsOutputFormat, ElevenLabsTtsOptions } from './elevenlabs-tts.js';
export { OpenAiStt, OpenAiTts, defaultOpenAiSttOptions, defaultOpenAiTtsOptions } from './openai.js';
export type { OpenAiClientOptions, OpenAiSttOptions, OpenAiTtsOptions } from './openai.js';
export { AllProvidersFailedError, FallbackStt, FallbackTts, defaultFallbackOptions } from './fallback.js';
export type { FallbackOptions, ProviderEvent } from './fallback.js';
export { ProviderError, toProviderError } from './errors.js';
export type { ProviderErrorKind } from './errors.js';
