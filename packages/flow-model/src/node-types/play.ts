import { z } from 'zod';
import { defineNodeType } from '../define';

export const play = defineNodeType({
  type: 'play',
  version: 1,
  label: 'Play audio',
  category: 'speak',
  help: 'Plays an uploaded audio file (WAV) to the caller, then continues.',
  config: z.object({
    assetId: z.uuid({ message: 'Choose an uploaded audio file' }),
    interruptible: z.boolean().default(true),
  }),
  exits: () => ['next'],
  waitsForCaller: false,
  terminal: false,
});
