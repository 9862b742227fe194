import { z } from 'zod';
import { defineNodeType } from '../define';
import { dtmfKey, ms, spokenText, variableName } from './shared';

export const recordVoicemail = defineNodeType({
  type: 'recordVoicemail',
  version: 1,
  label: 'Record voicemail',
  category: 'input',
  help: 'Plays a prompt and a beep, then records the caller until they press the finish key, fall silent, or reach the maximum length. Leaves by recorded, or by noAudio when nothing was said.',
  config: z.object({
    prompt: spokenText().default('Please leave a message after the tone.'),
    beep: z.boolean().default(true),
    maxDurationMs: ms(1000, 600_000, 120_000),
    finishKey: dtmfKey.default('#'),
    silenceTimeoutMs: ms(1000, 30_000, 5000),
    saveAs: variableName.optional(),
  }),
  exits: () => ['recorded', 'noAudio'],
  outputs: ['recordingId', 'durationMs'],
  sets: (config) => (config.saveAs ? [config.saveAs] : []),
  templates: (config) => [{ field: 'prompt', template: config.prompt, spoken: true }],
  waitsForCaller: true,
  terminal: false,
});
