import { z } from 'zod';
import { defineNodeType } from '../define';

export const MENU_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;

const menuOption = z.object({
  /** Stable id; also the name of the exit this option leaves by. */
  id: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'Option ids start with a letter and use letters, digits, - or _'),
  digit: z.enum(MENU_DIGITS, { message: 'A digit is one of 0-9, * or #' }),
  label: z.string().trim().min(1, 'Name the option'),
});

export const menu = defineNodeType({
  type: 'menu',
  version: 1,
  label: 'Menu',
  help: 'Plays a prompt and waits for the caller to press a key. Each option leaves by its own exit; no key, or a wrong key, retries and then leaves by noInput or noMatch.',
  config: z
    .object({
      prompt: z.string().trim().min(1, 'Say what the caller can choose'),
      options: z.array(menuOption).min(1, 'Add at least one option').max(12),
      /** How long to wait for a key after the prompt, in milliseconds. */
      timeoutMs: z.number().int().min(1000).max(60000).default(5000),
      /** How many times the prompt is repeated after no key or a wrong key. */
      retries: z.number().int().min(0).max(5).default(2),
      noInputPrompt: z.string().trim().min(1).default("Sorry, I didn't hear a choice."),
      noMatchPrompt: z.string().trim().min(1).default("Sorry, that isn't one of the choices."),
      interruptible: z.boolean().default(true),
    })
    .superRefine((config, ctx) => {
      const seenDigits = new Map<string, number>();
      const seenIds = new Map<string, number>();
      config.options.forEach((option, index) => {
        const digitAt = seenDigits.get(option.digit);
        if (digitAt !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['options', index, 'digit'],
            message: `Key ${option.digit} is already used by option ${digitAt + 1}`,
          });
        } else seenDigits.set(option.digit, index);
        const idAt = seenIds.get(option.id);
        if (idAt !== undefined || option.id === 'noInput' || option.id === 'noMatch') {
          ctx.addIssue({
            code: 'custom',
            path: ['options', index, 'id'],
            message: `Option id '${option.id}' is already used`,
          });
        } else seenIds.set(option.id, index);
      });
    }),
  exits: (config) => [...config.options.map((option) => option.id), 'noInput', 'noMatch'],
  waitsForCaller: true,
  terminal: false,
});
