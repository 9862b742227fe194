import { z } from 'zod';
import { defineNodeType } from '../define';
import { DTMF_KEYS, dtmfKey, endSilence, exitId, ms, spokenText, sttProvider, ttsProvider, uniqueBy } from './shared';

export const MENU_DIGITS = DTMF_KEYS;

const menuOption = z.object({
  /** Stable id; also the name of the exit this option leaves by. */
  id: exitId,
  digit: dtmfKey,
  label: z.string().trim().min(1, 'Name the option').max(60),
  /** Words a caller may say instead of pressing the key (when speech is on). */
  synonyms: z.array(z.string().trim().min(1).max(60)).max(20).default([]),
});

export const menu = defineNodeType({
  type: 'menu',
  version: 1,
  label: 'Menu',
  category: 'input',
  help: 'Plays a prompt and waits for the caller to press a key (or say an option, when speech is on). Each option leaves by its own exit; no answer, or a wrong one, retries and then leaves by noInput or noMatch.',
  config: z
    .object({
      prompt: spokenText('Say what the caller can choose'),
      options: z.array(menuOption).min(1, 'Add at least one option').max(12),
      /** How long to wait for a key after the prompt, in milliseconds. */
      timeoutMs: ms(1000, 60_000, 5000),
      /** How many times the prompt is repeated after no key or a wrong key. */
      retries: z.number().int().min(0).max(5).default(2),
      noInputPrompt: spokenText().default("Sorry, I didn't hear a choice."),
      noMatchPrompt: spokenText().default("Sorry, that isn't one of the choices."),
      interruptible: z.boolean().default(true),
      /** Also accept a spoken option: its label or one of its synonyms. */
      speech: z.boolean().default(false),
      /**
       * With speech on: silence that ends a spoken answer. An answer that is already a whole option
       * ends after a short pause instead (the media worker checks it at ~250 ms).
       */
      endSilenceMs: endSilence(700),
      ttsProvider: ttsProvider.optional(),
      /** Recognizes spoken options (with `speech` on). */
      sttProvider: sttProvider.optional(),
    })
    .superRefine((config, ctx) => {
      uniqueBy(config.options, (option) => option.digit, 'digit', 'options', ctx, (digit, first) => `Key ${digit} is already used by option ${first + 1}`);
      uniqueBy(config.options, (option) => option.id, 'id', 'options', ctx, (id) => `Option id '${id}' is already used`);
      config.options.forEach((option, index) => {
        if (option.id === 'noInput' || option.id === 'noMatch') {
          ctx.addIssue({ code: 'custom', path: ['options', index, 'id'], message: `Option id '${option.id}' is reserved` });
        }
      });
    }),
  exits: (config) => [...config.options.map((option) => option.id), 'noInput', 'noMatch'],
  outputs: ['digit', 'choice', 'transcript'],
  templates: (config) => [
    { field: 'prompt', template: config.prompt, spoken: true },
    { field: 'noInputPrompt', template: config.noInputPrompt, spoken: true },
    { field: 'noMatchPrompt', template: config.noMatchPrompt, spoken: true },
  ],
  waitsForCaller: true,
  terminal: false,
});
