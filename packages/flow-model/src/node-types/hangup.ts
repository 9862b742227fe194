import { z } from 'zod';
import { defineNodeType } from '../define';
import { spokenText } from './shared';

export const hangup = defineNodeType({
  type: 'hangup',
  version: 1,
  label: 'Hang up',
  category: 'route',
  help: 'Optionally says a farewell, then ends the call.',
  config: z.object({
    farewell: spokenText().optional(),
  }),
  exits: () => [],
  templates: (config) => (config.farewell ? [{ field: 'farewell', template: config.farewell, spoken: true }] : []),
  waitsForCaller: false,
  terminal: true,
});
