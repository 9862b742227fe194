import { z } from 'zod';
import { defineNodeType } from '../define';
import { endOnFinishedSentence, endSilence, languageTag, ms, spokenText, sttProvider, ttsProvider, variableName } from './shared';

export const listen = defineNodeType({
  type: 'listen',
  version: 1,
  label: 'Listen',
  category: 'input',
  help: 'Optionally asks a question, then turns what the caller says into text. Leaves by heard, or by noInput when the caller says nothing.',
  config: z.object({
    prompt: spokenText().optional(),
    /** Store the transcript as `flow.<saveAs>` too. */
    saveAs: variableName.optional(),
    /** How long to wait for the caller to start speaking. */
    noSpeechTimeoutMs: ms(1000, 30_000, 5000),
    /** Silence that ends the caller's turn. */
    endSilenceMs: endSilence(800),
    /** End the turn at a short pause after a finished-sounding sentence. */
    endOnFinishedSentence,
    maxDurationMs: ms(1000, 60_000, 15_000),
    /** Words and phrases the recognizer should expect. */
    hints: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    language: languageTag.optional(),
    ttsProvider: ttsProvider.optional(),
    sttProvider: sttProvider.optional(),
  }),
  exits: () => ['heard', 'noInput'],
  outputs: ['transcript', 'confidence'],
  sets: (config) => (config.saveAs ? [config.saveAs] : []),
  templates: (config) => (config.prompt ? [{ field: 'prompt', template: config.prompt, spoken: true }] : []),
  waitsForCaller: true,
  terminal: false,
});
