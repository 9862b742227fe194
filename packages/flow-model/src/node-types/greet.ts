import { z } from 'zod';
import { defineNodeType } from '../define';
import { languageTag, spokenText, ttsProvider, voiceName } from './shared';

export const greet = defineNodeType({
  type: 'greet',
  version: 1,
  label: 'Say message',
  category: 'speak',
  help: 'Speaks a message to the caller, then continues. Use {{variables}} to personalise it.',
  config: z.object({
    text: spokenText('Say what the caller should hear'),
    voice: voiceName.optional(),
    language: languageTag.optional(),
    ttsProvider: ttsProvider.optional(),
    /** A key press from the caller stops the message; the key is kept for the next input node. */
    interruptible: z.boolean().default(true),
  }),
  exits: () => ['next'],
  templates: (config) => [{ field: 'text', template: config.text, spoken: true }],
  waitsForCaller: false,
  terminal: false,
});
