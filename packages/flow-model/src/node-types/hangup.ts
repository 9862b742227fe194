import { z } from 'zod';
import { defineNodeType } from '../define';

export const hangup = defineNodeType({
  type: 'hangup',
  version: 1,
  label: 'Hang up',
  category: 'route',
  help: 'Optionally says a farewell, then ends the call.',
  config: z.object({
    farewell: z.string().trim().min(1).optional(),
  }),
  exits: () => [],
  templates: (config) => (config.farewell ? [{ field: 'farewell', template: config.farewell, spoken: true }] : []),
  waitsForCaller: false,
  terminal: true,
});
