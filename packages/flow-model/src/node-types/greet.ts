import { z } from 'zod';
import { defineNodeType } from '../define';
import { ttsProvider } from './shared';

export const greet = defineNodeType({
  type: 'greet',
  version: 1,
  label: 'Say message',
  category: 'speak',
  help: 'Speaks a message to the caller, then continues. Use {{variables}} to personalise it.',
  config: z.object({
    text: z.string().trim().min(1, 'Say what the caller should hear'),
    voice: z.string().min(1).optional(),
    language: z.string().min(2).optional(),
    ttsProvider: ttsProvider.optional(),
    /** A key press from the caller stops the message; the key is kept for the next input node. */
    interruptible: z.boolean().default(true),
  }),
  exits: () => ['next'],
  templates: (config) => [{ field: 'text', template: config.text, spoken: true }],
  waitsForCaller: false,
  terminal: false,
});
