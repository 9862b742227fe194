import { z } from 'zod';
import { defineNodeType } from '../define';
import { exitId } from './shared';

/**
 * Stands in for a step an import could not convert (a Twilio Studio widget with no counterpart).
 * Its settings never validate, so a flow holding one is refused at publish time, with a message
 * naming the original step and why it was not converted; its exits keep the original routing
 * visible on the canvas until a builder replaces it.
 */
export const placeholder = defineNodeType({
  type: 'placeholder',
  version: 1,
  label: 'Placeholder',
  category: 'logic',
  help: 'Stands in for a step an import could not convert. A flow with a placeholder cannot be published: replace it with real steps.',
  config: z
    .object({
      /** Where the step came from, e.g. `Twilio Studio`. */
      source: z.string().max(60).default('import'),
      /** The original step's name (a Studio widget name). */
      original: z.string().max(200).default(''),
      /** The original step's type (a Studio widget type such as `send-message`). */
      originalType: z.string().max(100).default(''),
      /** Why it was not converted. */
      reason: z.string().max(1000).default(''),
      /** Exits named after the original's transitions. */
      exits: z.array(exitId).max(30).default([]),
      /** The original definition as JSON, for reference. */
      definition: z.string().max(20_000).optional(),
    })
    .superRefine((config, ctx) => {
      const what = config.original ? `${config.source} step '${config.original}'${config.originalType ? ` (${config.originalType})` : ''}` : 'This imported step';
      ctx.addIssue({ code: 'custom', message: `Replace this placeholder: ${what} was not converted${config.reason ? `: ${config.reason}` : ''}` });
    }),
  exits: (config) => config.exits,
  waitsForCaller: false,
  terminal: false,
});
